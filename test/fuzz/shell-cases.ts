// The adversarial shell inputs, built on demand (several are a megabyte): shared by shell.test.ts and the worker
// that decides them under a per-input deadline.
import type { GateInput } from "../../src/gate/gate.ts";

/** exec is allowed unless something in the command says otherwise. */
export const ALLOW_EXEC_CONFIG = { defaultAction: "allow", highStakesAction: "allow" } as const;
/** The owner's private main session: private-memory rules stay out of the shell findings. */
export const OWNER = { channel: "webchat", senderIsOwner: true } as const;
export const exec = (command: string): GateInput => ({ tool: "exec", params: { command }, sessionKey: "agent:main:main", requester: { ...OWNER } });

const MB = 1_000_000;

/** name -> command. Each must be decided (one answer, no throw) within the per-input deadline. */
export const ADVERSARIAL: Readonly<Record<string, () => string>> = {
  "10,000-deep $(…) nesting": () => `echo ${"$(".repeat(10_000)}x${")".repeat(10_000)}`,
  "10,000-deep $(…) nesting around rm -rf /": () => `${"$(".repeat(10_000)}rm -rf /${")".repeat(10_000)}`,
  '10,000-deep "$(…)" nesting (quotes inside substitutions)': () => `echo ${'"$('.repeat(10_000)}x${')"'.repeat(10_000)}`,
  "14-deep escaped backquote nesting around rm -rf / (16,000 backslashes)": () => {
    let s = "rm -rf /";
    for (let i = 0; i < 14; i++) s = `echo \`${s.replace(/[\\`$]/g, "\\$&")}\``;
    return s;
  },
  "10,000-deep <(…) nesting": () => `cat ${"<(".repeat(10_000)}x${")".repeat(10_000)}`,
  "10,000-deep ( subshells ) around rm -rf /": () => `${"(".repeat(10_000)}rm -rf /${")".repeat(10_000)}`,
  "10,000 quoted segments of every form, then ; rm -rf /": () => `echo ${`'a'"b"$'c'$"d"\\e`.repeat(2_000)}; rm -rf /`,
  "1 MB of words, then ; rm -rf /": () => `echo ${"a ".repeat(MB / 2)}; rm -rf /`,
  "1 MB word, then ; rm -rf /": () => `echo ${"a".repeat(MB)}; rm -rf /`,
  "1 MB double-quoted string, then ; rm -rf /": () => `echo "${"a ".repeat(MB / 2)}"; rm -rf /`,
  "1 MB comment line, then rm -rf / on the next": () => `# ${"x".repeat(MB)}\nrm -rf /`,
  "1 MB of commands, then rm -rf /": () => `${"true; ".repeat(MB / 6)}rm -rf /`,
  "1 MB heredoc body fed to bash, ending in rm -rf /": () => `bash <<'EOF'\n${"echo a\n".repeat(MB / 7)}rm -rf /\nEOF`,
  "rm -rf / with a 1 MB argument after it": () => `rm -rf / ${"a".repeat(MB)}`,
  "cat of a 1 MB path": () => `cat /etc/${"a".repeat(MB)}`,
  "1 MB of NULs": () => "\0".repeat(MB),
  "1 MB of lone surrogates": () => "\uD800".repeat(MB),
  "1 MB of bidi and zero-width controls around rm -rf /": () => `${"\u202e\u200b".repeat(MB / 4)}rm -rf /`,
  "100,000 pipes": () => `cat x${" | cat".repeat(100_000)}`,
  "100,000 pipes, then | sh": () => `cat x${" | cat".repeat(100_000)} | sh`,
  "100,000 && then rm -rf /": () => `${"true && ".repeat(100_000)}rm -rf /`,
  "100,000 backslashes": () => `echo ${"\\".repeat(100_000)}`,
  "brace expansion that would make 2^40 words": () => `echo ${"{a,b}".repeat(40)}`,
};

/** Decided in full: the dangerous part at the end is seen, exactly as the short command is. */
export const SEEN_IN_FULL = [
  "1 MB word, then ; rm -rf /",
  "1 MB double-quoted string, then ; rm -rf /",
  "1 MB comment line, then rm -rf / on the next",
  "rm -rf / with a 1 MB argument after it",
  "10,000 quoted segments of every form, then ; rm -rf /",
] as const;

/** Must not be allowed: something dangerous is in there, or the input cannot be understood. */
export const NEVER_ALLOW = [
  "10,000-deep $(…) nesting",
  "10,000-deep $(…) nesting around rm -rf /",
  '10,000-deep "$(…)" nesting (quotes inside substitutions)',
  "14-deep escaped backquote nesting around rm -rf / (16,000 backslashes)",
  "10,000-deep <(…) nesting",
  "10,000-deep ( subshells ) around rm -rf /",
  "1 MB of words, then ; rm -rf /",
  "1 MB of commands, then rm -rf /",
  "1 MB heredoc body fed to bash, ending in rm -rf /",
  "1 MB of bidi and zero-width controls around rm -rf /",
  "100,000 pipes, then | sh",
  "100,000 && then rm -rf /",
  ...SEEN_IN_FULL,
] as const;

/** Adversarial cases that fail today because of a gap in src/patterns (being optimised by another change): name -> why. */
export const KNOWN_GAPS: Readonly<Record<string, string>> = {
  "10,000-deep <(…) nesting":
    "src/patterns: unbash stops nesting <(…) at 257 levels without a parse error and reads the rest as commands named ')))…'; the analyser reports nothing and the call is allowed",
};

/** Known to exceed the per-input deadline (src/patterns is being optimised by another change): todo with the input. */
export const TOO_SLOW: Readonly<Record<string, () => string>> = {
  "1 MB of $(…) nesting (333,333 deep)": () => `echo ${"$(".repeat(333_333)}x${")".repeat(333_333)}`,
};

export type WorkerResult = { name: string; kind: string; ruleIds: string[]; reason: string; reasonLength: number; evidenceLength: number; ms: number } | { name: string; error: string };
