// Shell analysis: parse with unbash, expand and unwrap like the shell would, and report commands, paths and findings.
import { type Command, forEachChild, parse, type ParsedScript, type SyntaxNode, type Word } from "unbash";
import { credentialKind } from "./credentials.ts";
import { findSecretShape, ownsSecret, urlHost } from "./secrets.ts";
import { binariesMatching, expandBraces } from "./expand.ts";
import { analyseInlineCode, inlineCode } from "./interpreters.ts";
import { absolutePath, lexicalPath, type NormalBases, normalBases, normaliseJoined } from "./paths.ts";
import type { Finding, PathAccess, PathEnv, PathRef, ShellCommand } from "./types.ts";
import { hasNonAscii } from "./unicode.ts";
import { CH_ALL, CH_ANGLE, CH_BACKTICK, CH_BRACE, CH_DOLLAR, CH_GLOB, CH_NON_ASCII, CH_NOT_LITERAL, CH_QUOTE, charClasses, wordValue } from "./words.ts";

const MAX_DEPTH = 6;
const MAX_COMMANDS = 500;

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "mksh", "busybox-sh"]);
const INTERPRETERS = new Set(["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "deno", "bun", "osascript", "awk", "gawk"]);
const FETCHERS = new Set(["curl", "wget", "fetch", "aria2c", "nc", "ncat", "netcat", "socat", "telnet", "http", "https", "xh", "lwp-download", "ftp", "tftp"]);
const DECODERS = new Set(["base64", "base32", "xxd", "rev", "openssl", "gzip", "gunzip", "zcat", "uudecode", "printf", "tr", "od", "basenc", "gpg"]);
const WRAPPERS = new Set(["sudo", "doas", "pkexec", "npx", "pnpx", "bunx", "env", "nice", "ionice", "nohup", "timeout", "command", "exec", "time", "xargs", "stdbuf", "busybox", "setsid", "chroot", "unbuffer", "caffeinate", "watch", "strace", "su", "runuser", "flock", "taskset", "chrt", "script", "eatmydata", "fakeroot"]);
const DEVICE_TOOLS = new Set(["mkfs", "wipefs", "fdisk", "sfdisk", "parted", "mkswap", "blkdiscard", "cfdisk", "sgdisk"]);
const DEV_SOCKET = /^\/dev\/(tcp|udp)\//;
const SETUID_MODE = /^0?[2467][0-7]{3}$|^[ugoa]*[+=][rwxXt]*s/;
/** unset HISTFILE, HISTFILE=/dev/null, HISTSIZE=0, HISTCONTROL=ignorespace…: history stops recording. Raising a limit is fine. */
const HISTORY_SETTING = /^(HISTFILE|HISTSIZE|HISTFILESIZE|HISTCONTROL|HISTIGNORE)(?:=(.*))?$/;
function disablesHistory(command: string, arg: string): boolean {
  if (!arg.startsWith("HIST")) return false;
  const m = HISTORY_SETTING.exec(arg);
  if (!m) return false;
  const name = m[1];
  const value = m[2];
  if (command === "unset") return name === "HISTFILE";
  if (value === undefined) return false;
  if (name === "HISTFILE") return value === "" || value === "/dev/null";
  if (name === "HISTSIZE" || name === "HISTFILESIZE") return value === "0";
  if (name === "HISTCONTROL") return /ignore(space|both)/.test(value);
  return value.includes("*");
}

/** Starts with "-": tested before an option regex (each begins with ^-), so most words never run one. */
function isDash(word: string): boolean {
  return word.charCodeAt(0) === 0x2d;
}

const COMPUTED = /\$(?!\{?HOME\}?(\/|$))|`/;

/** An argument whose value is only known at run time ($VAR, $(…), `…`), apart from $HOME. */
function isComputed(arg: string): boolean {
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c === 0x24 || c === 0x60) return COMPUTED.test(arg); // $ `
  }
  return false;
}

const KEY_FILE_NAME = /^\*?(id_(rsa|dsa|ecdsa|ed25519)\*?|\*\.(pem|key|kdbx|ppk|p12|pfx|keystore)|wallet\.dat|credentials|\.netrc|\.env|\.git-credentials|\.pgpass|\*?\.env\*?)$/;
const OUTER_QUOTES = /^["']|["']$/g;

/** File names (or name globs) of private keys and credential stores. */
function isKeyFileName(name: string): boolean {
  return KEY_FILE_NAME.test(name.replace(OUTER_QUOTES, ""));
}

const KEY_CONTENT = /PRIVATE KEY|BEGIN (RSA|OPENSSH|EC|DSA|PGP)|aws_secret_access_key|AKIA[0-9A-Z]{4}|ghp_|xox[bp]-/i;

/** Runners whose command runs as root. */
const ROOT_RUNNERS = new Set(["sudo", "doas", "su", "runuser", "pkexec"]);
/** Commands that contact a host named in their arguments (a computed name smuggles data out through DNS). */
const LOOKUP_SENDERS = new Set(["dig", "nslookup", "host", "ping", "drill", "curl", "wget"]);
/** Commands that print a file such as /proc/self/environ. */
const FILE_PRINTERS = new Set(["cat", "less", "more", "head", "tail", "strings", "xxd", "od", "tr"]);
const PROC_ENVIRON = /^\/proc\/[^/]+\/environ$/;
/** Commands that list the environment. */
const ENV_LISTERS = new Set(["env", "printenv", "set", "export", "declare", "typeset", "compgen"]);
const RAW_NET = new Set(["nc", "ncat", "netcat", "telnet", "socat", "openssl", "cryptcat", "pwncat"]);
const SECRET_WORDS = /token|secret|pass|key|cred|auth|api|aws|sk-|ghp_/i;

export type ShellAnalysis = {
  ok: boolean;
  /** Parse error text when ok is false (partial results are still reported). */
  error?: string;
  commands: ShellCommand[];
  paths: PathRef[];
  findings: Finding[];
};

/**
 * State shared by one whole analysis (all nesting levels). Collections are created on first write:
 * most commands need none of them, and allocating them for every call was a large part of its cost.
 */
type Shared = {
  env: PathEnv;
  out: ShellAnalysis;
  functions: Map<string, string> | undefined;
  /** Functions whose bodies are being analysed right now (recursion guard). */
  calling: Set<string> | undefined;
  /** Files a fetcher wrote (-o, -O, redirect), by lexical path. */
  downloads: Set<string> | undefined;
  /** Script-wide facts for rules that combine several commands: how many commands send data off the machine. */
  sends: number;
  envDump: boolean;
  fifo: boolean;
  /** Files written by a decoder (base64 -d > f). */
  decoded: Set<string> | undefined;
  /** The environment was printed where the model sees it (not piped on). */
  envPrinted: boolean;
  /** Variables assigned literal values earlier in the script. */
  vars: Map<string, string> | undefined;
  /** Each command's words as the shell would pass them (several rules ask for the same command): a short list, then a map. */
  argvRecent: Argv[] | undefined;
  argvMap: Map<Command, Argv> | undefined;
  /** Syntax nodes left to visit before the analysis gives up (shell.too-large). */
  budget: number;
  /** normalBases(env), worked out when the first path is added. */
  bases: NormalBases | undefined;
};
type Ctx = { s: Shared; depth: number };
type Redirection = Command["redirects"][number];
const NO_REDIRECTS: readonly Redirection[] = [];

function hasAssignment(items: Command["suffix"]): boolean {
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as (typeof items)[number];
    if (item.type === "Assignment") return true;
  }
  return false;
}

/** cmd.redirects, without having unbash build the list for the usual command that has none. */
function redirectsOf(cmd: Command): readonly Redirection[] {
  for (let i = 0; i < cmd.prefix.length; i++) {
    const item = cmd.prefix[i] as (typeof cmd.prefix)[number];
    if (item.type !== "Assignment") return cmd.redirects;
  }
  for (let i = 0; i < cmd.suffix.length; i++) {
    const item = cmd.suffix[i] as (typeof cmd.suffix)[number];
    if (item.type !== "Word" && item.type !== "Assignment") return cmd.redirects;
  }
  return NO_REDIRECTS;
}

export function baseName(name: string): string {
  // Most command words hold no slash: skip the search from the end and the slice.
  const b = name.indexOf("/") < 0 ? name : name.slice(name.lastIndexOf("/") + 1);
  return b.startsWith("mkfs.") ? "mkfs" : b;
}

/** A word the shell would glob: `*`, `?` or a `[…]` class (the test builtins `[` and `[[` are not). */
function isGlobWord(word: string): boolean {
  if (hasGlobChar(word)) return true;
  const open = word.indexOf("[");
  return open >= 0 && word.indexOf("]", open + 1) >= 0;
}

function hasGlobChar(word: string): boolean {
  return word.includes("*") || word.includes("?");
}

/** The names a command word can run as: a globbed path (/???/r?) resolves to the known binaries it matches. */
function namesOf(word: string): string[] {
  if (!isGlobWord(word)) return [baseName(word)];
  return binariesMatching(word);
}

const VERSIONED_INTERPRETER = /^(python|perl)[0-9.]*$/;

function isInterpreter(name: string): boolean {
  return SHELLS.has(name) || INTERPRETERS.has(name) || isVersionedInterpreter(name);
}

function isVersionedInterpreter(name: string): boolean {
  return name.startsWith("p") && VERSIONED_INTERPRETER.test(name);
}

/** The role bits of a command name, a versioned interpreter (python3.12) counted as INTERPRETER. */
function nameFlags(name: string): number {
  const roles = rolesOf(name);
  return (roles === undefined ? 0 : roles.flags) | (isVersionedInterpreter(name) ? INTERPRETER : 0);
}

function hasPart(word: Word, type: string): boolean {
  const parts = word.parts;
  if (parts === undefined) return false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as (typeof parts)[number];
    if (p.type === type) return true;
  }
  return false;
}

const VAR_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$NAME` and `${NAME}` replaced by the literal values the script assigned them earlier. */
function substituteVars(vars: ReadonlyMap<string, string> | undefined, word: Word, value: string): string {
  if (vars === undefined || vars.size === 0 || !value.includes("$") || !hasDynamicPart(word)) return value;
  return value.replace(VAR_REF, (whole, a: string | undefined, b: string | undefined) => vars.get((a ?? b) as string) ?? whole);
}

const IFS_REF = /\$\{IFS\}|\$IFS(?![A-Za-z0-9_])|\$\{IFS:[^}]*\}/g;
const BLANKS = /\s+/;

/** Word -> the argument strings the shell would pass (appended to `out`): quotes removed, braces expanded, $IFS split. */
function pushWordValues(vars: ReadonlyMap<string, string> | undefined, word: Word, value: string, out: string[]): void {
  const raw = substituteVars(vars, word, value);
  // Cheap text checks first: touching `parts` makes unbash build them.
  const braces = raw.includes("{") && raw.includes("}") && hasPart(word, "BraceExpansion");
  if (!raw.includes("IFS")) {
    if (braces) for (const value of expandBraces(raw)) out.push(value);
    else out.push(raw);
    return;
  }
  // Only an unquoted $IFS splits the word. Inside single quotes it is literal text (which a nested `sh -c` expands and
  // splits in its turn, so it must reach the nested analysis intact); inside double quotes it stays one field.
  const parts = word.parts ?? [];
  const splits = parts.some((p) => (p.type === "SimpleExpansion" || p.type === "ParameterExpansion") && IFS_EXPANSION.test(p.text));
  const quotedIfs = !splits && parts.some((p) => p.type === "DoubleQuoted" && p.parts.some((q) => (q.type === "SimpleExpansion" || q.type === "ParameterExpansion") && IFS_EXPANSION.test(q.text)));
  for (const value of braces ? expandBraces(raw) : [raw]) {
    if (!splits) {
      out.push(quotedIfs ? value.replace(IFS_REF, " ") : value);
      continue;
    }
    const v = value.replace(IFS_REF, " ");
    if (v === value) out.push(v);
    else for (const field of v.split(BLANKS)) if (field) out.push(field);
  }
}

const IFS_EXPANSION = /^\$\{?IFS(:[^}]*)?\}?$/;

function hasDynamicPart(word: Word): boolean {
  const text = word.text;
  if (!text.includes("$") && !text.includes("`")) return false;
  for (const part of word.parts ?? []) {
    if (part.type === "CommandExpansion" || part.type === "ArithmeticExpansion" || part.type === "ProcessSubstitution") return true;
    if (part.type === "SimpleExpansion" || part.type === "ParameterExpansion") {
      if (!IFS_EXPANSION.test(part.text)) return true;
    }
    if (part.type === "DoubleQuoted" && part.parts.some((p) => p.type !== "Literal")) return true;
  }
  return false;
}

/** Skip wrapper commands (sudo -u x, env A=b, timeout 5, nice -n 10 …) to the command that really runs. */
export function unwrap(argv: readonly string[], roles = argv.length === 0 ? undefined : rolesOf(baseName(argv[0] as string))): readonly string[] {
  // Most commands run directly: hand back the same words (callers never modify them).
  if (roles === undefined || (roles.flags & WRAPPER) === 0) return argv;
  let rest = [...argv];
  let rootShellFlag = false;
  for (let guard = 0; guard < 8 && rest.length > 0; guard++) {
    const name = baseName(rest[0] ?? "");
    if (!WRAPPERS.has(name)) break;
    rest = rest.slice(1);
    if (name === "su" || name === "runuser") {
      const i = rest.indexOf("-c");
      return i >= 0 && rest[i + 1] !== undefined ? ["sh", "-c", rest[i + 1] as string] : ["sh", "-i"];
    }
    if (name === "script") {
      const i = rest.indexOf("-c");
      return i >= 0 && rest[i + 1] !== undefined ? ["sh", "-c", rest[i + 1] as string] : ["sh", "-i"];
    }
    while (rest.length > 0) {
      const a = rest[0] as string;
      if (name === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) rest = rest.slice(1);
      else if (a === "--") {
        rest = rest.slice(1);
        break;
      } else if (a.startsWith("-")) {
        if ((name === "sudo" || name === "doas") && ((isDash(a) && /^-[a-zA-Z]*[is][a-zA-Z]*$/.test(a)) || a === "--login" || a === "--shell") && !(isDash(a) && /^-[a-zA-Z]*[lVhKkv]$/.test(a))) rootShellFlag = true;
        const takesValue =
          (name === "sudo" && (isDash(a) && /^-[ugCDhpTrU]$/.test(a))) || (name === "doas" && a === "-u") || (name === "nice" && a === "-n") ||
          (name === "ionice" && (isDash(a) && /^-[cnp]$/.test(a))) || (name === "timeout" && (isDash(a) && /^-[sk]$/.test(a))) || (name === "xargs" && (isDash(a) && /^-[InLPEsda]$/.test(a))) ||
          (name === "env" && (isDash(a) && /^-[uCS]$/.test(a))) || (name === "watch" && (isDash(a) && /^-[n]$/.test(a))) || (name === "taskset" && (isDash(a) && /^-[c]$/.test(a))) ||
          (name === "flock" && (isDash(a) && /^-[wE]$/.test(a))) || (name === "stdbuf" && (isDash(a) && /^-[ioe]$/.test(a)));
        rest = rest.slice(takesValue ? 2 : 1);
      } else if ((name === "timeout" && /^[0-9.]+[smhd]?$/.test(a)) || (name === "taskset" && /^(0x)?[0-9a-f,-]+$/i.test(a)) || (name === "chrt" && /^\d+$/.test(a)) || (name === "flock" && rest.length > 1 && !rest[1]?.startsWith("-") && a.includes("/"))) {
        rest = rest.slice(1);
      } else if (name === "chroot") {
        rest = rest.slice(1);
        break;
      } else break;
    }
    if (rest.length === 0 && (name === "sudo" || name === "doas" || name === "pkexec")) return rootShellFlag || name === "pkexec" ? ["sh", "-i"] : [];
    if (rest.length === 0 && name === "env") return ["env"];
  }
  return rest;
}

/**
 * A word with a slash, starting with `~`, `.` or `$HOME`/`${HOME`, or a sensitive file name (openclaw.json, .env…, MEMORY.md, USER.md).
 * Without a slash and not starting with `.`, a sensitive name can only be the whole word: string tests instead of two regexes per argument.
 */
function looksLikePath(arg: string): boolean {
  if (arg.includes("/")) return true;
  const c = arg.charCodeAt(0);
  if (c === 0x7e || c === 0x2e) return true; // ~ .
  if (c === 0x24) return arg.startsWith("$HOME") || arg.startsWith("${HOME");
  return arg === "openclaw.json" || arg === "MEMORY.md" || arg === "USER.md";
}

function addPath(ctx: Ctx, raw: string, access: PathAccess, broad: boolean, via: string, selective = false): void {
  if (!raw || raw === "-") return;
  const s = ctx.s;
  const absolute = absolutePath(raw, s.env);
  const ref: PathRef = { raw, absolute, lexical: normaliseJoined(raw, absolute, (s.bases ??= normalBases(s.env))), access, broad: broad || hasGlobChar(raw), via };
  if (selective) ref.selective = true;
  s.out.paths.push(ref);
}

/** A finding's evidence: its text, or the command it is the text of (sliced from the source only when a finding needs it). */
type Evidence = string | Argv;

function evidenceText(evidence: Evidence): string {
  return typeof evidence === "string" ? evidence : (evidence.text ??= evidence.source.slice(evidence.cmd.pos, evidence.cmd.end));
}

function finding(ctx: Ctx, ruleId: string, action: "block" | "escalate", reason: string, evidence?: Evidence): void {
  const found = ctx.s.out.findings;
  if (found.some((f) => f.ruleId === ruleId)) return;
  const text = evidence === undefined ? undefined : evidenceText(evidence);
  found.push(text ? { ruleId, action, reason, evidence: text.slice(0, 300) } : { ruleId, action, reason });
}

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0)$/i;

/** Hosts that are this machine. */
function isLocalHost(host: string): boolean {
  return LOCAL_HOST.test(host);
}


/** A classifier for a group of command names: true when it has judged the command, false to go on to the generic checks. */
/** `chars`: charClasses or-ed over the words, or a superset (CH_ALL when not worked out). */
type Classifier = (ctx: Ctx, name: string, args: readonly string[], operands: readonly string[], via: string, text: Evidence, chars: number) => boolean;

/** Per-command semantics: the paths it touches and single-command catalogue rules. */
/** `args`: argv.slice(1) when the caller has it. */
function classifyCommand(ctx: Ctx, argv: readonly string[], text: Evidence, name = baseName(argv[0] ?? ""), roles = rolesOf(name), args?: readonly string[], chars = CH_ALL): void {
  const classifier = roles?.classify;
  if (classifier !== undefined) {
    const words = args ?? argv.slice(1);
    if (classifier(ctx, name, words, operandsOf(words), (roles as NameRoles).via, text, chars)) return;
  }
  // Any other command: its path-like arguments (or the values of NAME=path arguments), the "via" text made only for a path.
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf("=");
    const value = eq >= 0 && !a.startsWith("/") ? a.slice(eq + 1) : a;
    if (looksLikePath(value)) addPath(ctx, value, name === "source" || name === "." ? "exec" : "unknown", false, roles?.via ?? `exec:${name}`);
  }
}

const FILE_DELETERS: ReadonlySet<string> = new Set(["rm", "shred", "unlink", "srm"]);
/** find tests that narrow what is matched (so a -delete is selective). */
const FIND_FILTER = /^-(i?name|i?path|i?regex|i?wholename|newer\w*|[amc](time|min)|size|empty|user|group|perm)$/;
/** find actions that run a command on every match. */
const FIND_RUN = /^-(exec|execdir|ok|okdir)$/;
const KEY_PATH_GLOB = /id_(rsa|dsa|ecdsa|ed25519)|\.(pem|kdbx|ppk)\b|credentials|\.netrc|\.git-credentials|\.ssh\//;

/** A volume or mount source that is the host's root, system directories or the docker socket. */
function isHostMount(v: string | undefined): boolean {
  return v !== undefined && (/^\/(:|$)|^\/(etc|root|var\/run\/docker\.sock|proc|sys|dev|boot)(:|$|\/)/.test(v) || /(^|,)(source|src)=\/(,|$|etc|root|var\/run\/docker\.sock)/.test(v));
}

/** The words that are not options (do not start with "-"): `args` itself when none is (callers never modify either list). */
function operandsOf(args: readonly string[]): readonly string[] {
  let k = 0;
  while (k < args.length && !isDash(args[k] as string)) k++;
  if (k === args.length) return args;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as (typeof args)[number];
    if (!isDash(a)) operands.push(a);
  }
  return operands;
}

/** Command names with their own rules, each name once. */
const CLASSIFIER_GROUPS: readonly [readonly string[], Classifier][] = [
  [[...DEVICE_TOOLS], (ctx, name, args, operands, via, text) => {
    const targets = operands.filter((a) => !/^[0-9]+[KMGTkmgt]?$/.test(a));
    for (const a of targets) addPath(ctx, a, "write", !a.startsWith("/dev/") ? false : true, via);
    const listing = args.some((a) => a === "-l" || a === "--list" || a === "--help" || a === "-V" || (a === "-s" && (name === "fdisk" || name === "sfdisk")));
    if (!listing && (targets.length === 0 || targets.some((a) => a.startsWith("/dev/") || isComputed(a)))) finding(ctx, "fs.device-format", "block", `${name} formats or repartitions a disk.`, text);
    return true;
  }],
  [["rm", "rmdir", "unlink", "shred", "srm"], (ctx, name, args, operands, via, text, chars) => {
    // Without $ or backtick in any word, no operand is computed.
    if ((chars & (CH_DOLLAR | CH_BACKTICK)) !== 0 && operands.some(isComputed)) finding(ctx, "fs.dynamic-target", "escalate", `${name} runs on file names computed at run time.`, text);
    const recursive = args.some((a) => (isDash(a) && /^-[a-zA-Z]*[rR]/.test(a)) || a === "--recursive") || name === "shred";
    for (let i = 0; i < operands.length; i++) {
      const a = operands[i] as (typeof operands)[number];
      addPath(ctx, a, "delete", recursive && name !== "shred" ? true : name === "shred", via);
    }
    return true;
  }],
  [["find"], (ctx, name, args, operands, via, text) => {
    const roots: string[] = [];
    for (const a of args) {
      if (a.startsWith("-") || a === "(" || a === "!" || a === "\\(") break;
      roots.push(a);
    }
    // One pass over the options (all start with "-"): does the expression delete, filter, run commands, look for key files?
    let deletes = false;
    let selective = false;
    let runs = false;
    let keySearch = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (!isDash(a)) continue;
      const next = args[i + 1];
      if (a === "-delete" || ((a === "-exec" || a === "-execdir" || a === "-ok") && FILE_DELETERS.has(baseName(next ?? "")))) deletes = true;
      if (!selective && FIND_FILTER.test(a)) selective = true;
      if (!runs && FIND_RUN.test(a)) runs = true;
      if (next !== undefined && !keySearch) {
        if (a === "-name" || a === "-iname") keySearch = isKeyFileName(next);
        else if (a === "-path" || a === "-ipath" || a === "-wholename" || a === "-iwholename") keySearch = KEY_PATH_GLOB.test(next);
      }
    }
    for (const r of roots.length > 0 ? roots : ["."]) addPath(ctx, r, deletes ? "delete" : "read", deletes, via, selective);
    // find … -exec CMD {} ; runs CMD on every match: judge CMD with the search root in place of {}.
    if (runs) {
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        if (!(isDash(a) && FIND_RUN.test(a))) continue;
        const end = args.findIndex((a, k) => k > i && (a === ";" || a === "\\;" || a === "+"));
        const inner = args.slice(i + 1, end < 0 ? undefined : end).map((a) => (a === "{}" ? (roots[0] ?? ".") : a));
        if (inner.length > 0 && !FILE_DELETERS.has(baseName(inner[0] as string))) classifyCommand(ctx, unwrap(inner), text);
      }
    }
    if (keySearch) finding(ctx, "cred.search", "escalate", "The command searches the disk for private keys or credential files.", text);
    return true;
  }],
  [["truncate", "tee", "touch"], (ctx, name, args, operands, via, text) => {
    for (const a of operands) if (!/^[0-9]+[KMGkmg]?$/.test(a)) addPath(ctx, a, "write", false, via);
    return true;
  }],
  [["dd"], (ctx, name, args, operands, via, text) => {
    for (const a of args) {
      if (a.startsWith("of=")) addPath(ctx, a.slice(3), "write", false, via);
      else if (a.startsWith("if=")) addPath(ctx, a.slice(3), "read", false, via);
    }
    return true;
  }],
  [["mv"], (ctx, name, args, operands, via, text) => {
    operands.forEach((a, i) => addPath(ctx, a, i === operands.length - 1 && operands.length > 1 ? "write" : "delete", false, via));
    return true;
  }],
  [["cp", "install", "ln"], (ctx, name, args, operands, via, text) => {
    const recursive = args.some((a) => (isDash(a) && /^-[a-zA-Z]*[rRa]/.test(a)) || a === "--recursive" || a === "--archive");
    const files = args.filter((a, i) => !a.startsWith("-") && !(name === "install" && i > 0 && isDash(args[i - 1] as string) && /^(-m|--mode|-o|-g|--owner|--group)$/.test(args[i - 1] as string)));
    files.forEach((a, i) => addPath(ctx, a, i === files.length - 1 && files.length > 1 ? "write" : "read", recursive, via));
    const mode = args.find((_, i) => i > 0 && isDash(args[i - 1] as string) && /^(-m|--mode)$/.test(args[i - 1] as string)) ?? args.find((a) => a.startsWith("--mode="))?.slice(7);
    if (name === "install" && mode && SETUID_MODE.test(mode)) finding(ctx, "priv.setuid", "block", "The command installs a file with the setuid/setgid bit.", text);
    return true;
  }],
  [["scp", "rsync", "sftp"], (ctx, name, args, operands, via, text) => {
    const remote = operands.find((a) => /^[^/\s]*@?[^/\s]+:/.test(a) && !/^[a-z]+:\/\//i.test(a));
    const dest = operands.at(-1);
    if (name === "rsync" && dest && !remote && args.some((a) => (isDash(a) && /^--delete/.test(a)))) addPath(ctx, dest, "delete", true, via);
    operands.forEach((a, i) => {
      if (/^[^/\s]*@?[^/\s]+:/.test(a)) return;
      addPath(ctx, a, i === operands.length - 1 && operands.length > 1 && !remote ? "write" : "read", false, via);
    });
    if (remote && operands.indexOf(remote) === operands.length - 1) {
      const host = remote.slice(remote.indexOf("@") + 1, remote.indexOf(":"));
      if (!isLocalHost(host)) ctx.s.sends++;
    }
    return true;
  }],
  [["sed", "perl"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => (isDash(a) && /^-[a-zA-Z]*i/.test(a)) || a.startsWith("--in-place"))) {
      for (const a of operands.slice(1)) addPath(ctx, a, "write", false, via);
      return true;
    }
    return false;
  }],
  [["chmod", "chown", "chgrp", "chattr", "setfacl"], (ctx, name, args, operands, via, text) => {
    const recursive = args.some((a) => (isDash(a) && /^-[a-zA-Z]*R/.test(a)) || a === "--recursive");
    const mode = operands[0] ?? "";
    for (const a of operands.slice(1)) addPath(ctx, a, "write", recursive, via);
    if (name === "chmod" && SETUID_MODE.test(mode)) {
      finding(ctx, "priv.setuid", "block", "The command sets the setuid/setgid bit, letting anyone run the file with its owner's rights.", text);
    }
    return true;
  }],
  [["setcap"], (ctx, name, args, operands, via, text) => {
    finding(ctx, "priv.capability", "block", "The command grants Linux capabilities to a binary.", text);
    return true;
  }],
  [["useradd", "usermod", "adduser", "groupadd", "gpasswd", "visudo"], (ctx, name, args, operands, via, text) => {
    if (name === "visudo" || args.some((a, i) => (isDash(a) && /^-[a-zA-Z]*o[a-zA-Z]*$/.test(a)) && name !== "gpasswd" || ((isDash(a) && /^-[a-zA-Z]*u$/.test(a)) && args[i + 1] === "0") || a === "--uid=0" || (a === "--uid" && args[i + 1] === "0") || a === "--non-unique" || /^(sudo|wheel|root|admin|docker|disk)$/.test(a) || /(^|,)(sudo|wheel|root|admin|docker|disk)(,|$)/.test(args[i + 1] ?? "") && (isDash(a) && /^-[a-zA-Z]*G$/.test(a)))) {
      finding(ctx, "priv.user", "block", "The command creates or changes an account with root or administrator rights.", text);
    } else finding(ctx, "priv.user-change", "escalate", "The command creates or changes a system account.", text);
    return true;
  }],
  [["userdel", "deluser", "groupdel", "chsh"], (ctx, name, args, operands, via, text) => {
    finding(ctx, "priv.user-change", "escalate", "The command removes or changes a system account.", text);
    return true;
  }],
  [["passwd", "chpasswd"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => a === "-S" || a === "--status")) return true;
    finding(ctx, "priv.user-change", "escalate", "The command changes account passwords.", text);
    return true;
  }],
  [["docker", "podman", "nerdctl"], (ctx, name, args, operands, via, text) => {
    // Global options (-H host, --context x, --log-level y) come before the subcommand.
    let k = 0;
    while (k < args.length && (args[k] as string).startsWith("-")) k += /^(-H|--host|--context|-c|--config|--log-level|-l)$/.test(args[k] as string) ? 2 : 1;
    const sub = args.slice(k);
    if (/^(run|create|exec)$/.test(sub[0] ?? "") && sub.some((a, i) =>
      a === "--privileged" || (isDash(a) && /^--(pid|net|network|ipc|userns|uts)=host$/.test(a)) || ((a === "--pid" || a === "--net" || a === "--network" || a === "--ipc") && sub[i + 1] === "host") ||
      ((a === "-v" || a === "--volume" || a === "--mount") && isHostMount(sub[i + 1])) || ((isDash(a) && /^--(volume|mount)=/.test(a)) && isHostMount(a.slice(a.indexOf("=") + 1))) ||
      ((isDash(a) && /^--cap-add/.test(a)) && /SYS_ADMIN|ALL|SYS_PTRACE|SYS_MODULE|DAC_READ_SEARCH/.test(`${a} ${sub[i + 1] ?? ""}`)) ||
      ((isDash(a) && /^--security-opt/.test(a)) && /unconfined|no-new-privileges=false/.test(`${a} ${sub[i + 1] ?? ""}`)) || (a === "--device" && /^\/dev\/(sd|nvme|mem|kmem)/.test(sub[i + 1] ?? "")))) {
      finding(ctx, "priv.container-escape", "block", "The container is given the host's root filesystem, devices, capabilities or namespaces.", text);
    }
    return false;
  }],
  [["nsenter"], (ctx, name, args, operands, via, text) => {
    if (args.some((a, i) => ((isDash(a) && /^-[a-zA-Z]*t$/.test(a)) && args[i + 1] === "1") || a === "--target=1" || (a === "--target" && args[i + 1] === "1"))) {
      finding(ctx, "priv.container-escape", "block", "The command enters the namespaces of the host's init process.", text);
    }
    return true;
  }],
  [["at", "batch"], (ctx, name, args, operands, via, text) => {
    if (!args.some((a) => a === "-l" || a === "-r" || a === "-d" || a === "-c")) finding(ctx, "persist.cron", "escalate", "The command schedules a job to run later.", text);
    return true;
  }],
  [["systemd-run"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => a.startsWith("--on-") || a === "--timer-property")) finding(ctx, "persist.cron", "escalate", "The command schedules a job to run later.", text);
    return true;
  }],
  [["crontab"], (ctx, name, args, operands, via, text) => {
    if (!args.every((a) => a === "-l" || a === "-u" || /^[a-z_][a-z0-9_-]*$/.test(a)) || operands.length > 0 && !args.includes("-l")) {
      finding(ctx, "persist.cron", "escalate", "The command installs a crontab, which runs commands on a schedule.", text);
    }
    return true;
  }],
  [["systemctl"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => /^(enable|link|preset|set-default)$/.test(a))) finding(ctx, "persist.service", "escalate", "The command makes a service start at boot or login.", text);
    return false;
  }],
  [["launchctl"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => /^(load|bootstrap|enable|submit)$/.test(a))) finding(ctx, "persist.service", "escalate", "The command registers a launch agent or daemon.", text);
    return false;
  }],
  [["update-rc.d", "chkconfig"], (ctx, name, args, operands, via, text) => {
    finding(ctx, "persist.service", "escalate", "The command makes a service start at boot.", text);
    return true;
  }],
  [["history"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => (isDash(a) && /^-[a-z]*[cdw]/.test(a)))) finding(ctx, "safeguard.history", "block", "The command erases the shell history that records what was done.", text);
    return true;
  }],
  [["unset", "export", "declare", "typeset"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => disablesHistory(name, a))) finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
    if ((name === "export" || name === "declare" || name === "typeset") && args.every((a) => (isDash(a) && /^-[a-zA-Z]*[px]?$/.test(a)))) ctx.s.envDump = true;
    return true;
  }],
  [["set"], (ctx, name, args, operands, via, text) => {
    if (args.join(" ").includes("+o history")) finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
    if (args.length === 0) ctx.s.envDump = true;
    return true;
  }],
  [["env", "printenv"], (ctx, name, args, operands, via, text) => {
      const env = ctx.s.env;
    if (operands.length === 0) ctx.s.envDump = true;
    else if (name === "printenv" && operands.some((o) => SECRET_WORDS.test(o))) finding(ctx, "cred.env-dump", "escalate", "The command prints an environment variable that holds a secret.", text);
    return true;
  }],
  [["security"], (ctx, name, args, operands, via, text) => {
    if (/^(find-generic-password|find-internet-password|dump-keychain|export)$/.test(args[0] ?? "")) finding(ctx, "cred.keychain", "block", "The command reads passwords from the system keychain.", text);
    return true;
  }],
  [["kwallet-query"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => a === "-r" || a === "--read-password")) finding(ctx, "cred.keychain", "block", "The command reads passwords from the KDE wallet.", text);
    return true;
  }],
  [["secret-tool", "keyctl"], (ctx, name, args, operands, via, text) => {
    if (/^(lookup|search|print|read|pipe)$/.test(args[0] ?? "")) finding(ctx, "cred.keychain", "block", "The command reads secrets from the system keyring.", text);
    return true;
  }],
  [["socat"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => /^(exec|system):/i.test(a))) finding(ctx, "shell.reverse-shell", "block", "socat attaches a program to a network connection.", text);
    if (args.some((a) => /^(tcp|udp|openssl|ssl)[46]?(-connect)?:/i.test(a))) ctx.s.sends++;
    return true;
  }],
  [["nc", "ncat", "netcat", "telnet"], (ctx, name, args, operands, via, text) => {
    if (args.some((a) => a === "-e" || a === "-c" || a.startsWith("--exec") || a.startsWith("--sh-exec") || a.startsWith("--lua-exec"))) {
      finding(ctx, "shell.reverse-shell", "block", `${name} is asked to attach a program to a network connection.`, text);
    }
    const host = operands.find((a) => !/^\d+$/.test(a));
    if (host && !isLocalHost(host) && !args.some((a) => (isDash(a) && /^-[a-z]*l/.test(a)))) ctx.s.sends++;
    for (const a of operands) if (looksLikePath(a)) addPath(ctx, a, "read", false, via);
    return true;
  }],
  [["ssh", "autossh"], (ctx, name, args, operands, via, text) => {
    const dest = operands.find((a) => a.includes("@") || /^[a-z0-9.-]+\.[a-z]{2,}$|^\d+\.\d+\.\d+\.\d+$/i.test(a));
    if (args.some((a, i) => (isDash(a) && /^-[a-zA-Z]*[RD]$/.test(a)) && args[i + 1] !== undefined) || args.some((a) => (isDash(a) && /^-[RD]\d/.test(a))) || args.some((a, i) => (isDash(a) && /^-o/.test(a)) && /(Remote|Dynamic)Forward|PermitRemoteOpen|Tunnel\s*=?\s*(yes|point|ethernet)/i.test(`${a} ${args[i + 1] ?? ""}`))) {
      finding(ctx, "net.tunnel", "escalate", "The command opens a tunnel that exposes this machine through another host.", text);
    }
    if (dest && !isLocalHost(dest.slice(dest.indexOf("@") + 1))) ctx.s.sends++;
    return true;
  }],
  [["ngrok", "cloudflared", "bore", "frpc", "chisel", "localtunnel", "lt"], (ctx, name, args, operands, via, text) => {
    if ((name === "ngrok" && /^(http|tcp|tls|start|tunnel)$/.test(operands[0] ?? "")) || (name === "cloudflared" && operands[0] === "tunnel") || (name === "bore" && operands[0] === "local") ||
      (name === "chisel" && /^(client|server)$/.test(operands[0] ?? "")) || name === "frpc" || ((name === "localtunnel" || name === "lt") && args.some((a) => a === "--port" || a === "-p"))) {
      finding(ctx, "net.tunnel", "escalate", "The command publishes a local service through an outside tunnel.", text);
    }
    return true;
  }],
  [["mkfifo", "mknod"], (ctx, name, args, operands, via, text) => {
    ctx.s.fifo = true;
    return true;
  }],
  [["curl", "wget", "http", "https", "xh"], (ctx, name, args, operands, via, text) => {
      const env = ctx.s.env;
    const upload = args.some((a) => isDash(a) && (/^(-d|--data(-\w+)?|-F|--form|-T|--upload-file|--post-file|--post-data|--body-file|-X(POST|PUT)?|--request)$/.test(a) || /^--data(-\w+)?=/.test(a) || /^--post-(file|data)=/.test(a)));
    const hosts = args.map(urlHost).filter((h): h is string => h !== undefined);
    const remote = hosts.some((h) => !isLocalHost(h));
    args.forEach((a, i) => {
      const prev = args[i - 1] ?? "";
      if (a.startsWith("@") && (isDash(prev) && /^(-d|--data(-\w+)?|-F|--form)$/.test(prev))) addPath(ctx, a.slice(1), "read", false, via);
      else if (/^[a-z]+=@/.test(a) && (isDash(prev) && /^(-F|--form)$/.test(prev))) addPath(ctx, a.slice(a.indexOf("@") + 1), "read", false, via);
      else if ((isDash(prev) && /^(-T|--upload-file|--post-file|--body-file)$/.test(prev))) addPath(ctx, a, "read", false, via);
      else if ((isDash(a) && /^--post-file=/.test(a))) addPath(ctx, a.slice(a.indexOf("=") + 1), "read", false, via);
      else if (((isDash(prev) && /^(-o|--output|--output-document)$/.test(prev)) || (name === "curl" && (isDash(prev) && /^-[a-zA-Z]*o$/.test(prev))) || (name === "wget" && (isDash(prev) && /^-[a-zA-Z]*O$/.test(prev)))) && !a.startsWith("-")) {
        addPath(ctx, a, "write", false, via);
        (ctx.s.downloads ??= new Set()).add(lexicalPath(a, env));
      }
    });
    if (name === "curl" && args.some((a) => (isDash(a) && /^-[a-zA-Z]*O[a-zA-Z]*$/.test(a)) || a === "--remote-name")) {
      for (const a of args) {
        const h = urlHost(a);
        if (h) (ctx.s.downloads ??= new Set()).add(lexicalPath(a.slice(a.lastIndexOf("/") + 1).split("?")[0] ?? "", env));
      }
    }
    if (name === "wget" && !args.some((a) => (isDash(a) && /^-[a-zA-Z]*O$/.test(a)) || a.startsWith("--output-document"))) {
      for (const a of args) if (urlHost(a)) (ctx.s.downloads ??= new Set()).add(lexicalPath(a.slice(a.lastIndexOf("/") + 1).split("?")[0] ?? "", env));
    }
    if (remote && (upload || args.some((a) => a.startsWith("@")))) ctx.s.sends++;
    const remoteHosts = hosts.filter((h) => !isLocalHost(h));
    const leaked = remoteHosts.length > 0 ? args.find((a) => findSecretShape(a) !== undefined && !remoteHosts.every((h) => ownsSecret(h, findSecretShape(a) as string))) : undefined;
    if (leaked) finding(ctx, "exfil.secret-out", "block", `A credential (${findSecretShape(leaked)}) is sent to a host that does not own it.`, text);
    return true;
  }],
  [["grep", "egrep", "rg", "ag", "ack"], (ctx, name, args, operands, via, text) => {
    // Searching the whole disk or home for key material; a search inside the project is ordinary work.
    const roots = operands.slice(args.some((a) => a === "-e" || a.startsWith("--regexp")) ? 0 : 1);
    const wide = roots.some((r) => r.startsWith("/") || r.startsWith("~") || /^\$\{?HOME/.test(r) || r.startsWith(".."));
    if (args.some((a) => KEY_CONTENT.test(a)) && wide) {
      finding(ctx, "cred.search", "escalate", "The command searches files for private keys or credentials.", text);
    }
    return false;
  }],
  [["locate", "plocate", "mlocate"], (ctx, name, args, operands, via, text) => {
    if (operands.some((o) => isKeyFileName(o) || /id_(rsa|dsa|ecdsa|ed25519)|\.pem$|\.kdbx$|credentials/.test(o))) finding(ctx, "cred.search", "escalate", "The command searches the disk for private keys or credential files.", text);
    return true;
  }],
  [["dig", "nslookup", "host", "ping", "drill"], () => true],
  [["tar", "zip", "7z"], (ctx, name, args, operands, via, text) => {
    const dirIndex = args.findIndex((a) => a === "-C" || a === "--directory");
    const base = dirIndex >= 0 ? args[dirIndex + 1] : undefined;
    const files = args.filter((a, i) => !a.startsWith("-") && i !== dirIndex + 1 && !(name === "tar" && i === 0 && /^[a-zA-Z]+$/.test(a)) && !(i > 0 && isDash(args[i - 1] as string) && /^-[a-zA-Z]*f$/.test(args[i - 1] as string)));
    for (const a of files) {
      const path = base && !a.startsWith("/") && !a.startsWith("~") ? `${base.replace(/\/+$/, "")}/${a}` : a;
      if (looksLikePath(path) || a === "~" || base) addPath(ctx, path, "read", true, via);
    }
    return true;
  }],
];
const CLASSIFIERS: ReadonlyMap<string, Classifier> = classifierTable(CLASSIFIER_GROUPS);

/** Roles of a command name, as bits: one map lookup per command answers every "is it a …" question and finds its classifier. */
const SHELL = 1;
const INTERPRETER = 2;
const LOOKUP_SENDER = 4;
const FILE_PRINTER = 8;
const WRAPPER = 16;
const RAW_NETWORK = 32;
const ENV_LISTER = 64;
/** `via`: the PathRef.via of the paths its classifier adds (`exec:NAME`), made once. */
type NameRoles = { flags: number; classify: Classifier | undefined; via: string };
const NAME_ROLES: ReadonlyMap<string, NameRoles> = nameRoles();

/**
 * A hash of a name's length, first and last characters, set for every name in NAME_ROLES: most command names (ls, git, jq…) have no
 * roles, and two table reads answer that without hashing the freshly parsed string for the map.
 */
const ROLE_HINTS: Uint8Array = roleHints();

function roleHint(name: string): number {
  return ((name.length * 31 + name.charCodeAt(0)) * 31 + name.charCodeAt(name.length - 1)) & 4095;
}

function roleHints(): Uint8Array {
  const hints = new Uint8Array(4096);
  for (const name of NAME_ROLES.keys()) hints[roleHint(name)] = 1;
  return hints;
}

/** NAME_ROLES.get(name), skipping the map for a name whose hint is unset. */
function rolesOf(name: string): NameRoles | undefined {
  // An empty name hashes to 0 (NaN & 4095): a miss either way.
  return ROLE_HINTS[roleHint(name)] === 0 ? undefined : NAME_ROLES.get(name);
}

function nameRoles(): Map<string, NameRoles> {
  const table = new Map<string, NameRoles>();
  const role = (name: string): NameRoles => {
    let r = table.get(name);
    if (r === undefined) table.set(name, (r = { flags: 0, classify: CLASSIFIERS.get(name), via: `exec:${name}` }));
    return r;
  };
  for (const name of CLASSIFIERS.keys()) role(name);
  const sets: [ReadonlySet<string>, number][] = [[SHELLS, SHELL], [INTERPRETERS, INTERPRETER], [LOOKUP_SENDERS, LOOKUP_SENDER], [FILE_PRINTERS, FILE_PRINTER], [WRAPPERS, WRAPPER], [RAW_NET, RAW_NETWORK], [ENV_LISTERS, ENV_LISTER]];
  for (const [names, flag] of sets) for (const name of names) role(name).flags |= flag;
  return table;
}

function classifierTable(groups: readonly [readonly string[], Classifier][]): Map<string, Classifier> {
  const table = new Map<string, Classifier>();
  for (const [names, classify] of groups) {
    for (const name of names) {
      // A second entry would silently replace the first one's rules.
      if (table.has(name)) throw new Error(`shell analyser: command ${name} has two classifiers`);
      table.set(name, classify);
    }
  }
  return table;
}

/**
 * A command's words; `real` (unwrapped) and `names` (what real[0] can run as) are filled in when first asked for.
 * `piped`: the command reads a pipe (not the first stage), so a bare `bash` there is not interactive;
 * `feeds`: its output feeds a pipe (not the last stage).
 */
type Argv = {
  cmd: Command;
  argv: string[];
  dynamic: boolean;
  nameWord: string;
  /** charClasses of every argv string and of nameWord, or-ed, or a superset (CH_ALL when not worked out): a class absent here is absent from each of them. */
  chars: number;
  /** charClasses of the texts of the name and suffix words, or-ed (CH_DOLLAR, CH_BACKTICK, CH_ANGLE: a word may nest). */
  textChars: number;
  real: readonly string[] | undefined;
  /** NAME_ROLES of argv[0]'s base name, looked up by realOf with `real`. */
  firstRoles: NameRoles | undefined;
  names: readonly string[] | undefined;
  /** nameFlags of `names`, or-ed (-1 until worked out). */
  namesFlags: number;
  /** The source the command was parsed from (set by analyseCommand) and its text, sliced when a finding first needs it. */
  source: string;
  text: string | undefined;
  piped: boolean;
  feeds: boolean;
};
const ARGV_SCAN = 16;

/** The command's words as the shell would pass them (memoised per AST node: several rules ask). */
function commandArgv(s: Shared, cmd: Command): Argv {
  const cached = cachedArgv(s, cmd);
  if (cached) return cached;
  const recent = s.argvRecent;
  const result = computeArgv(s.vars, cmd);
  if (recent === undefined) s.argvRecent = [result];
  else if (recent.length < ARGV_SCAN) recent.push(result);
  else (s.argvMap ??= new Map()).set(cmd, result);
  return result;
}

/** The memoised argv of a command, if anything asked for it yet. */
function cachedArgv(s: Shared, cmd: Command): Argv | undefined {
  // Most scripts have a handful of commands: a linear scan beats hashing AST nodes into a Map.
  const recent = s.argvRecent;
  if (recent !== undefined) for (let i = 0; i < recent.length; i++) if ((recent[i] as Argv).cmd === cmd) return recent[i] as Argv;
  return s.argvMap?.get(cmd);
}

function computeArgv(vars: ReadonlyMap<string, string> | undefined, cmd: Command): Argv {
  const argv: string[] = [];
  let dynamic = false;
  let nameWord = "";
  let chars = 0;
  let textChars = 0;
  const name = cmd.name;
  if (name) {
    const classes = charClasses(name.text);
    textChars = classes;
    if ((classes & CH_NOT_LITERAL) === 0) {
      // A literal word: its value is its text, with no $ or backtick there is nothing dynamic.
      nameWord = name.text;
      chars = pushWord(vars, name, nameWord, classes, argv);
    } else {
      nameWord = wordValue(name);
      chars = pushWord(vars, name, nameWord, classes, argv) | ((classes & (CH_DOLLAR | CH_BACKTICK)) === 0 ? classes : CH_ALL);
      dynamic = hasDynamicPart(name);
    }
  }
  // cmd.args is the suffix without its redirects: skipping them here spares unbash filtering the list.
  for (let i = 0; i < cmd.suffix.length; i++) {
    const a = cmd.suffix[i] as (typeof cmd.suffix)[number];
    if (a.type === "Word") {
      const classes = charClasses(a.text);
      textChars |= classes;
      chars |= pushWord(vars, a, (classes & CH_NOT_LITERAL) === 0 ? a.text : wordValue(a), classes, argv);
    } else if (a.type === "Assignment") {
      const word = a.value.type === "Word" ? `${a.name}=${a.value.value}` : `${a.name}=()`;
      chars |= charClasses(word);
      argv.push(word);
    }
  }
  return { cmd, argv, dynamic, nameWord, chars, textChars, real: undefined, firstRoles: undefined, names: undefined, namesFlags: -1, source: "", text: undefined, piped: false, feeds: false };
}

/**
 * pushWordValues, straight to `out` for a literal word without braces (the usual word). Returns charClasses or-ed over what it
 * added, or a superset: without `$`, backtick or braces nothing is substituted, decoded or generated (quote removal and escapes
 * only drop characters of the text), so the text's classes cover the values. Otherwise (a range such as {Z..a} makes characters
 * of its own) CH_ALL: the few checks that use the classes then look at their words themselves, as they would without them.
 */
function pushWord(vars: ReadonlyMap<string, string> | undefined, word: Word, value: string, classes: number, out: string[]): number {
  if ((classes & (CH_NOT_LITERAL | CH_BRACE)) === 0) {
    out.push(value);
    return classes;
  }
  pushWordValues(vars, word, value, out);
  return (classes & (CH_DOLLAR | CH_BACKTICK | CH_BRACE)) === 0 ? classes : CH_ALL;
}

/** The command's words after wrappers (sudo, env, timeout…), memoised like its argv. */
function realArgv(s: Shared, cmd: Command): readonly string[] {
  return realOf(commandArgv(s, cmd));
}

/** facts.real, worked out once, with the roles of the first word (which analyseArgv reuses when nothing was unwrapped). */
function realOf(facts: Argv): readonly string[] {
  if (facts.real !== undefined) return facts.real;
  const argv = facts.argv;
  const roles = argv.length === 0 ? undefined : rolesOf(baseName(argv[0] as string));
  facts.firstRoles = roles;
  return (facts.real = unwrap(argv, roles));
}

/** The names the command's unwrapped first word can run as, memoised (callers never modify the list). */
function commandNames(s: Shared, cmd: Command): readonly string[] {
  return namesOfFacts(commandArgv(s, cmd));
}

function namesOfFacts(facts: Argv): readonly string[] {
  return (facts.names ??= namesOf(realOf(facts)[0] ?? ""));
}

/** nameFlags of the command's names, or-ed, memoised. */
function namesFlags(facts: Argv): number {
  if (facts.namesFlags >= 0) return facts.namesFlags;
  let bits = 0;
  for (const n of namesOfFacts(facts)) bits |= nameFlags(n);
  return (facts.namesFlags = bits);
}

function innerCommandNames(s: Shared, node: SyntaxNode): string[] {
  const names: string[] = [];
  pushCommandNames(s, node, names);
  return names;
}

/** Append the names of the commands in `node` (at most about 50) to `names`; returns their role bits (nameFlags), or-ed. */
function pushCommandNames(s: Shared, node: SyntaxNode, names: string[]): number {
  if (node.type === "Command" && node.prefix.length === 0) {
    // A command whose words are all plain (no $, backtick, < or >) holds no nested command: its own names are all there is.
    const facts = commandArgv(s, node);
    if ((facts.textChars & (CH_DOLLAR | CH_BACKTICK | CH_ANGLE)) === 0 && redirectsOf(node) === NO_REDIRECTS && !hasAssignment(node.suffix)) {
      if (!realOf(facts)[0]) return 0;
      for (const name of namesOfFacts(facts)) names.push(name);
      return namesFlags(facts);
    }
  }
  const start = names.length;
  const visit = (n: SyntaxNode): void => {
    if (names.length - start > 50 || !mayNest(n)) return;
    if (n.type === "Command") {
      if (realArgv(s, n)[0]) for (const name of commandNames(s, n)) names.push(name);
    }
    forEachChild(n, visit);
  };
  visit(node);
  let bits = 0;
  for (let i = start; i < names.length; i++) bits |= nameFlags(names[i] as string);
  return bits;
}

/** Does this command run one of `files` (by path, or as an interpreter's script)? A bare name runs from PATH, not the file. */
function runsFileFrom(ctx: Ctx, real: readonly string[], files: ReadonlySet<string> | undefined): boolean {
  if (files === undefined || files.size === 0) return false;
  const name = real[0] ?? "";
  const interpreter = isInterpreter(baseName(name));
  const candidates = [name, ...(interpreter ? real.slice(1).filter((a) => !a.startsWith("-")) : [])];
  return candidates.some((c) => c.length > 0 && (c.includes("/") || interpreter) && files.has(lexicalPath(c, ctx.s.env)));
}

/** Code handed to an interpreter (inline, heredoc or here-string): its findings, the shell it spawns, the files it touches. */
function analyseCode(ctx: Ctx, code: string, interpreter: string, evidence: Evidence): void {
  const inline = analyseInlineCode(code);
  for (const f of inline.findings) finding(ctx, f.ruleId, f.action, f.reason, evidence);
  for (const snippet of inline.shellSnippets.slice(0, 8)) analyseSource(ctx, snippet);
  for (const p of inline.paths) addPath(ctx, p.path, p.access, p.broad, `exec:${interpreter}`);
}

/** Analyse one simple command (after expansion and unwrapping), recursing into nested code; returns its memoised facts. */
function analyseCommand(ctx: Ctx, cmd: Command, source: string, redirects: readonly Redirection[]): Argv {
  const facts = commandArgv(ctx.s, cmd);
  const { argv, dynamic, nameWord } = facts;
  facts.source = source;
  const text: Evidence = facts;
  for (let i = 0; i < cmd.prefix.length; i++) {
    const assignment = cmd.prefix[i] as (typeof cmd.prefix)[number];
    if (assignment.type !== "Assignment") continue;
    const value = assignment.value.type === "Word" ? assignment.value.value : "";
    if (disablesHistory("assign", `${assignment.name}=${value}`)) {
      finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
    }
    // A plain NAME=value statement: remember the value so a later "$NAME" is seen as what it holds.
    if (!cmd.name && assignment.value.type === "Word" && !hasDynamicPart(assignment.value)) (ctx.s.vars ??= new Map()).set(assignment.name, value);
    else if (!cmd.name) ctx.s.vars?.delete(assignment.name);
  }
  for (let i = 0; i < redirects.length; i++) {
    const r = redirects[i] as (typeof redirects)[number];
    if (r.type === "Redirect" && r.target) {
      const target = r.target.value;
      if (DEV_SOCKET.test(target)) {
        finding(ctx, "shell.reverse-shell", "block", "The command opens a raw network socket through /dev/tcp or /dev/udp.", text);
        ctx.s.sends++;
      } else if (r.operator === ">" || r.operator === ">>" || r.operator === ">|" || r.operator === "&>" || r.operator === "&>>" || r.operator === "<>") {
        addPath(ctx, target, "write", false, "exec:redirect");
        if (argv[0] && FETCHERS.has(baseName(argv[0]))) (ctx.s.downloads ??= new Set()).add(lexicalPath(target, ctx.s.env));
        if (argv[0] && DECODERS.has(baseName(realArgv(ctx.s, cmd)[0] ?? "")) && baseName(realArgv(ctx.s, cmd)[0] ?? "") !== "tr") (ctx.s.decoded ??= new Set()).add(lexicalPath(target, ctx.s.env));
      } else if (r.operator === "<") {
        const sub = (r.target.parts ?? []).find((p) => p.type === "ProcessSubstitution");
        const interpreter = argv[0] ? baseName(realArgv(ctx.s, cmd)[0] ?? "") : "";
        if (sub && isInterpreter(interpreter)) fedCode(ctx, sub, interpreter, text);
        else addPath(ctx, target, "read", false, "exec:redirect");
      }
    }
  }
  if (argv.length === 0) return facts;
  if (dynamic) {
    finding(ctx, "shell.dynamic-command", "escalate", "The command name is computed at run time, so what runs cannot be known in advance.", text);
    return facts;
  }
  if ((facts.chars & CH_NON_ASCII) !== 0 && (hasNonAscii(nameWord) || hasNonAsciiOption(argv))) {
    finding(ctx, "unicode.lookalike", "escalate", "A command word contains non-ASCII look-alike characters.", text);
  }
  analyseArgv(ctx, argv, facts, text, realOf(facts), facts.chars);
  return facts;
}

/** One of the first three words is an option with non-ASCII characters (a look-alike dash or letter). */
function hasNonAsciiOption(argv: readonly string[]): boolean {
  for (let i = 0; i < 3 && i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("-") && hasNonAscii(a)) return true;
  }
  return false;
}

/**
 * joinWords(real), read from the source when it is the command's own words as written: only words after the name, each literal
 * (no quote, escape, $, backtick, parenthesis or brace: its value is its text, which is its span of the source), one space apart.
 */
function commandText(facts: Argv, real: readonly string[]): string {
  const cmd = facts.cmd;
  const name = cmd.name;
  const suffix = cmd.suffix;
  const source = facts.source;
  if (real !== facts.argv || name === undefined || source === "" || (facts.textChars & (CH_NOT_LITERAL | CH_BRACE)) !== 0 || cmd.prefix.length !== 0 || real.length !== suffix.length + 1) return joinWords(real);
  if (name.end - name.pos !== name.text.length) return joinWords(real);
  let end = name.end;
  for (let i = 0; i < suffix.length; i++) {
    const item = suffix[i] as (typeof suffix)[number];
    if (item.type !== "Word" || item.pos !== end + 1 || source.charCodeAt(end) !== 0x20 || item.end - item.pos !== item.text.length) return joinWords(real);
    end = item.end;
  }
  return source.slice(name.pos, end);
}

/** words.join(" "), without join's fixed cost for the few words of a command. */
function joinWords(words: readonly string[]): string {
  let text = words[0] ?? "";
  for (let i = 1; i < words.length; i++) text += ` ${words[i] as string}`;
  return text;
}

/**
 * `facts`: the memoised words of the command these words come from (its pipe marks, its syntax node).
 * `chars`: charClasses or-ed over `argv` when the caller has them (unwrap only adds plain ASCII words), else CH_ALL.
 */
function analyseArgv(ctx: Ctx, argv: readonly string[], facts: Argv, text: Evidence, unwrapped: readonly string[] = unwrap(argv), chars = CH_ALL): void {
  const cmd = facts.cmd;
  const first = unwrapped[0];
  if (first !== undefined && (chars & CH_GLOB) !== 0 && isGlobWord(first)) {
    const names = binariesMatching(first);
    if (names.length === 0) {
      finding(ctx, "shell.dynamic-command", "escalate", "The command name is a glob, so what runs depends on the filesystem.", text);
      return;
    }
    const wrappers = argv.slice(0, argv.length - unwrapped.length);
    for (const n of names.slice(0, 4)) analyseArgv(ctx, [...wrappers, n, ...unwrapped.slice(1)], facts, text);
    return;
  }
  if (first !== undefined && (chars & CH_NON_ASCII) !== 0 && hasNonAscii(first)) finding(ctx, "unicode.lookalike", "escalate", "A command word contains non-ASCII look-alike characters.", text);
  const real = unwrapped;
  if (real.length === 0) return;
  const name = baseName(real[0] ?? "");
  if (!name) return;
  // unwrap hands back argv itself unless its first word is a wrapper: only then can a root runner be in front.
  const viaSudo = real !== argv && ROOT_RUNNERS.has(baseName(argv[0] ?? ""));
  // The first word's roles when analyseCommand's own words run unwrapped (its name, looked up once by realOf).
  const roles = real === facts.argv && argv === real ? facts.firstRoles : rolesOf(name);
  const flags = roles === undefined ? 0 : roles.flags;
  // The words after the name, sliced once: the reported command, the classifier and the rules below share it (none modifies it).
  const args = real.slice(1);
  if (ctx.s.out.commands.length < MAX_COMMANDS) ctx.s.out.commands.push({ name, args, text: commandText(facts, real) });
  if (runsFileFrom(ctx, real, ctx.s.downloads)) finding(ctx, "shell.remote-code", "block", "A file just downloaded from the network is executed.", text);
  if (runsFileFrom(ctx, real, ctx.s.decoded)) finding(ctx, "shell.obfuscated-exec", "block", "A file just decoded from hidden text is executed.", text);
  // A call of a function defined earlier in the script runs its body with these arguments.
  const body = ctx.s.functions?.get(name);
  // Recursion: this very body is already being analysed. A function that redefined itself runs its new body: analysed.
  const callKey = body === undefined ? "" : `${name}\u0000${body}`;
  if (body !== undefined && ctx.s.calling?.has(callKey) === true) return;
  if (body !== undefined) {
    (ctx.s.calling ??= new Set()).add(callKey);
    analyseSource(ctx, body.replace(/\$\{?([1-9@*])\}?/g, (_, n: string) => (n === "@" || n === "*" ? args.join(" ") : (args[Number(n) - 1] ?? ""))));
    ctx.s.calling?.delete(callKey);
    return;
  }
  if ((flags & SHELL) !== 0) {
    const i = real.findIndex((a, k) => k > 0 && (isDash(a) && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)));
    if (i > 0 && real[i + 1] !== undefined) {
      const script = real[i + 1] as string;
      if (/\{\}/.test(script) && argv.some((a) => baseName(a) === "xargs")) finding(ctx, "shell.dynamic-command", "escalate", "xargs feeds text from its input to a shell as commands.", text);
      analyseSource(ctx, script);
    }
    const interactive = args.some((a) => (isDash(a) && /^-[a-zA-Z]*i/.test(a)) || a === "-l" || a === "--login") || (real.length === 1 && !facts.piped);
    if (interactive && i < 0) {
      if (viaSudo) finding(ctx, "priv.root-shell", "block", "The command opens a root shell.", text);
      if (cmd.redirects.some((r) => r.type === "Redirect" && DEV_SOCKET.test(r.target?.value ?? ""))) {
        finding(ctx, "shell.reverse-shell", "block", "An interactive shell is wired to a network socket.", text);
      }
    }
  }
  if (name === "eval") analyseSource(ctx, args.join(" "));
  // Interpreters fed code inline, or from substitutions that fetch or decode.
  const interpreter = (flags & (SHELL | INTERPRETER)) !== 0 || isVersionedInterpreter(name);
  if (interpreter && (flags & SHELL) === 0) {
    const code = inlineCode(name, args);
    if (code !== undefined) {
      analyseCode(ctx, code, name, text);
      if (viaSudo && /pty\.spawn|os\.(system|exec\w*)\s*\(\s*["'](\/bin\/)?(ba|z|da)?sh\b|spawn\s*\(\s*["'](\/bin\/)?(ba|z|da)?sh["']/.test(code)) {
        finding(ctx, "priv.root-shell", "block", "The command opens a root shell through an interpreter.", text);
      }
      if (/(post|put|send|upload|files\s*=|data\s*=)/i.test(code) && /https?:\/\//.test(code)) ctx.s.sends++;
    }
  }
  // Substitutions and double quotes need $, backtick, < or > and a quote in the words' text: without them there are no such parts to build.
  if ((interpreter || name === "eval" || name === "source" || name === ".") && (facts.textChars & (CH_DOLLAR | CH_BACKTICK | CH_ANGLE | CH_QUOTE)) !== 0) {
    const words = [cmd.name, ...cmd.args].filter((w): w is Word => w?.type === "Word");
    for (const w of words) {
      for (const part of w.parts ?? []) {
        if (part.type === "ProcessSubstitution" || part.type === "CommandExpansion" || part.type === "DoubleQuoted") fedCode(ctx, part, name, text);
      }
    }
  }
  // DNS lookups whose names are computed from files or the environment smuggle data out.
  // hasDynamicPart needs $ or a backtick in the word's text.
  if ((flags & LOOKUP_SENDER) !== 0 && (facts.textChars & (CH_DOLLAR | CH_BACKTICK)) !== 0) {
    const words = cmd.args.filter((w): w is Word => w.type === "Word");
    if (words.some((w) => hasDynamicPart(w) && /\$\(|`|\$\{?[A-Za-z_]/.test(w.text) && (w.parts ?? []).some((p) => p.type === "CommandExpansion" || p.type === "SimpleExpansion" || p.type === "ParameterExpansion" || p.type === "DoubleQuoted"))) {
      ctx.s.sends++;
    }
  }
  classifyCommand(ctx, real, text, name, roles, args, chars);
  if ((name === "env" || name === "printenv") && !real.some((a, k) => k > 0 && !a.startsWith("-")) && !facts.feeds) ctx.s.envPrinted = true;
  if ((flags & FILE_PRINTER) !== 0 && real.some((a) => PROC_ENVIRON.test(a))) {
    ctx.s.envDump = true;
    if (!facts.feeds) ctx.s.envPrinted = true;
  }
}

/** Code an interpreter receives from a substitution: downloaded, decoded, echoed or otherwise produced. */
function fedCode(ctx: Ctx, part: SyntaxNode, interpreter: string, text: Evidence): void {
  const names = innerCommandNames(ctx.s, part);
  if (names.length === 0) return;
  if (names.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is executed directly.", text);
  else if (names.some((n) => DECODERS.has(n) && n !== "printf")) finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and executed, hiding what runs.", text);
  else if (SHELLS.has(interpreter) && part.type === "ProcessSubstitution") {
    let echoed: string[] | undefined;
    const find = (n: SyntaxNode): void => {
      if (echoed || !mayNest(n)) return;
      if (n.type === "Command") {
        const av = realArgv(ctx.s, n);
        if (av[0] === "echo" || av[0] === "printf") echoed = av.slice(1).filter((a) => !(isDash(a) && /^-[neE]+$/.test(a)));
      }
      forEachChild(n, find);
    };
    find(part);
    if (echoed) analyseSource(ctx, decodeEscapes(echoed.join(" ")));
    else finding(ctx, "shell.pipe-to-shell", "escalate", "Text produced by another command is executed by a shell.", text);
  }
}

/** Pipelines: what feeds an interpreter's stdin decides how dangerous it is. */
function analysePipeline(ctx: Ctx, stages: readonly SyntaxNode[], source: string): void {
  // The role bits of all stage names, or-ed: "some stage is a shell" is one bit test.
  let stageFlags = 0;
  // Each command stage's facts are memoised (commandArgv finds them again without a list of our own); marks on them rather than in sets.
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i] as SyntaxNode;
    if (s.type !== "Command") continue;
    const facts = commandArgv(ctx.s, s);
    stageFlags |= namesFlags(facts);
    if (i > 0) facts.piped = true;
    if (i < stages.length - 1) facts.feeds = true;
  }
  if ((stageFlags & SHELL) !== 0 && (stageFlags & RAW_NETWORK) !== 0) {
    finding(ctx, "shell.reverse-shell", "block", "A shell's input or output is wired to a raw network connection.", source.slice(stages[0]?.pos ?? 0, stages.at(-1)?.end ?? 0));
  }
  // The command names of the stages before stage i and their role bits, or-ed: collected when a stage first asks (a filter of the
  // environment or an interpreter), carried on from there.
  let upstream: string[] | undefined;
  let upstreamStages = 0;
  let upstreamFlags = 0;
  for (let i = 1; i < stages.length; i++) {
    const stage = stages[i] as SyntaxNode;
    if (stage.type !== "Command") continue;
    const facts = commandArgv(ctx.s, stage);
    const real = facts.real as readonly string[];
    const candidates = facts.names as readonly string[];
    // One candidate is the name whether or not it is an interpreter (its role bits are the facts'); a glob's candidates prefer an interpreter.
    const single = candidates.length === 1;
    const name = single ? (candidates[0] as string) : (candidates.find((n) => isInterpreter(n)) ?? candidates[0] ?? "");
    const filter = name === "grep" || name === "egrep" || name === "rg" || name === "awk" || name === "sed";
    const interpreter = single ? (namesFlags(facts) & (SHELL | INTERPRETER)) !== 0 : isInterpreter(name);
    if (filter || interpreter) {
      upstream ??= [];
      for (; upstreamStages < i; upstreamStages++) upstreamFlags |= pushCommandNames(ctx.s, stages[upstreamStages] as SyntaxNode, upstream);
    }
    // env | grep token, printenv | curl …
    if (filter && (upstreamFlags & ENV_LISTER) !== 0) {
      if (SECRET_WORDS.test(real.slice(1).join(" "))) finding(ctx, "cred.env-dump", "block", "Environment variables holding secrets are filtered out of the environment.", source.slice(stages[0]?.pos ?? 0, stage.end));
    }
    // echo ~ | xargs rm -rf: the arguments come from upstream.
    if (baseName(facts.argv[0] ?? "") === "xargs") {
      const prev = stages[i - 1];
      const prevArgv = prev?.type === "Command" ? realArgv(ctx.s, prev) : [];
      if (prevArgv[0] === "echo" || prevArgv[0] === "printf") analyseArgv(ctx, [...real, ...prevArgv.slice(1)], facts, source.slice(stage.pos, stage.end));
      else if (["rm", "shred", "unlink", "chmod", "chown", "mv", "dd", "truncate"].includes(name)) {
        finding(ctx, "fs.dynamic-target", "escalate", `${name} runs on file names produced by another command.`, source.slice(stage.pos, stage.end));
      }
    }
    if (!interpreter || upstream === undefined) continue;
    const args = real.slice(1);
    const inlineGiven = inlineCode(name, args) !== undefined || args.some((a) => a === "-c");
    const scriptArg = args.some((a) => !a.startsWith("-"));
    if (inlineGiven || (scriptArg && !SHELLS.has(name))) continue;
    if (scriptArg && SHELLS.has(name) && !args.some((a) => a === "-s" || a === "-")) continue;
    if (upstream.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is piped into an interpreter.", source.slice(stages[0]?.pos ?? 0, stage.end));
    else if (upstream.some((n) => DECODERS.has(n) && n !== "printf") || (upstream.includes("printf") && /\\x[0-9a-f]{2}|\\[0-7]{3}/i.test(source))) {
      finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and piped into an interpreter, hiding what runs.", source.slice(stages[0]?.pos ?? 0, stage.end));
    } else if (SHELLS.has(name)) {
      if (args.some((a) => (isDash(a) && /^-[a-zA-Z]*i/.test(a))) && stages.some((s) => s.type === "Command" && (commandArgv(ctx.s, s).names as readonly string[]).some((n) => n === "nc" || n === "ncat" || n === "netcat" || n === "telnet" || n === "socat" || n === "openssl"))) {
        finding(ctx, "shell.reverse-shell", "block", "A shell's input and output are wired to a network connection.", source.slice(stages[0]?.pos ?? 0, stages.at(-1)?.end ?? stage.end));
      }
      const prev = stages[i - 1];
      const heredoc = prev?.type === "Command" ? redirectsOf(prev).find((r) => r.type === "HereDoc") : undefined;
      const prevArgv = prev?.type === "Command" ? realArgv(ctx.s, prev) : [];
      const text = source.slice(stage.pos, stage.end);
      if (heredoc?.type === "HereDoc") analyseSource(ctx, heredoc.body.text);
      else if (prevArgv[0] === "echo" || prevArgv[0] === "printf") {
        const raw = prevArgv.slice(1).filter((a) => !(isDash(a) && /^-[neE]+$/.test(a))).join(" ");
        const decoded = decodeEscapes(raw);
        if (decoded !== raw) finding(ctx, "shell.obfuscated-exec", "block", "Escaped text is decoded and executed by a shell, hiding what runs.", source.slice(stages[0]?.pos ?? 0, stage.end));
        analyseSource(ctx, decoded);
      } else if (prevArgv[0] === "cat" && prevArgv.length > 1 && i === 1 && !ctx.s.fifo) {
        finding(ctx, "shell.pipe-to-shell", "escalate", "A file's contents are executed by a shell.", text);
      } else if (!ctx.s.fifo) finding(ctx, "shell.pipe-to-shell", "escalate", "Text produced by another command is executed by a shell.", text);
      else finding(ctx, "shell.reverse-shell", "block", "A named pipe feeds a shell, the usual wiring of a reverse shell.", text);
    } else {
      finding(ctx, "shell.pipe-to-shell", "escalate", `Text produced by another command is executed by ${name}.`, source.slice(stage.pos, stage.end));
    }
  }
}

/** Only words with `$`, backticks or `<(`/`>(` can hold nested commands: skip the rest without building their parts. */
function mayNest(node: SyntaxNode): boolean {
  return node.type !== "Word" || mayNestText(node.text);
}

function mayNestText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x24 || c === 0x60 || c === 0x3c || c === 0x3e) return true; // $ ` < >
  }
  return false;
}

/** Decode \xNN, \NNN and \uNNNN escapes the way echo -e and printf do. */
export function decodeEscapes(text: string): string {
  return text
    .replace(/\\x([0-9a-fA-F]{1,2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\0?([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function walk(ctx: Ctx, node: SyntaxNode, source: string, visit: (child: SyntaxNode) => void): void {
  if (--ctx.s.budget < 0) return;
  const type = node.type;
  // The structural nodes every script has, in forEachChild's order but without its callback.
  if (type === "Statement") {
    walk(ctx, node.command, source, visit);
    return;
  }
  if (type === "Script" || type === "AndOr" || type === "CompoundList") {
    for (let i = 0; i < node.commands.length; i++) {
      const child = node.commands[i] as (typeof node.commands)[number];
      walk(ctx, child, source, visit);
    }
    return;
  }
  if (type === "Word") {
    if (!mayNestText(node.text)) return;
  } else if (type === "Pipeline") {
    analysePipeline(ctx, node.commands, source);
    // forEachChild's order, without its callback.
    for (let i = 0; i < node.prefixes.length; i++) {
      const child = node.prefixes[i] as (typeof node.prefixes)[number];
      walk(ctx, child, source, visit);
    }
    for (let i = 0; i < node.commands.length; i++) {
      const child = node.commands[i] as (typeof node.commands)[number];
      walk(ctx, child, source, visit);
    }
    return;
  }
  else if (node.type === "Function") {
    const fname = node.name.value;
    const bodyText = source.slice(node.body.pos, node.body.end);
    (ctx.s.functions ??= new Map()).set(fname, bodyText.replace(/^\{\s*|\s*\}$/g, ""));
    const escaped = fname.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const selfSpawn = new RegExp(`(^|[\\s;|&({])${escaped}\\s*(\\||&(?!&))|\\|\\s*${escaped}\\b`);
    if (innerCommandNames(ctx.s, node.body).includes(fname) && selfSpawn.test(bodyText)) {
      finding(ctx, "shell.fork-bomb", "block", "A function that spawns copies of itself (fork bomb).", source.slice(node.pos, node.end));
    }
    return; // the body is analysed where the function is called
  }
  else if (node.type === "Command") {
    const redirects = redirectsOf(node);
    const facts = analyseCommand(ctx, node, source, redirects);
    let heredoc: Redirection | undefined;
    let herestring: Redirection | undefined;
    for (let i = 0; i < redirects.length; i++) {
      const r = redirects[i] as (typeof redirects)[number];
      if (r.type === "HereDoc") heredoc ??= r;
      else if (r.type === "HereString") herestring ??= r;
    }
    if (heredoc !== undefined || herestring !== undefined) {
      const real = realOf(facts);
      const name = baseName(real[0] ?? "");
      // Text on stdin (heredoc, here-string) is code when a shell or an interpreter without a script reads it.
      const stdin = [heredoc?.type === "HereDoc" ? heredoc.body.text : undefined, herestring?.type === "HereString" ? herestring.target?.value : undefined];
      for (const code of stdin) {
        if (code === undefined) continue;
        if (SHELLS.has(name) && !real.slice(1).some((a) => (isDash(a) && /^-[a-zA-Z]*c/.test(a)))) analyseSource(ctx, code);
        else if (isInterpreter(name) && real.slice(1).every((a) => a === "-" || a.startsWith("-"))) analyseCode(ctx, code, name, source.slice(node.pos, node.end));
      }
    }
    // forEachChild's order (prefix, name, suffix), without a call for the plain words that cannot nest (they still count against the budget).
    // analyseCommand memoised the command's facts: when none of its words has $, backtick, < or >, no word is scanned again.
    const mayNestWords = (facts.textChars & (CH_DOLLAR | CH_BACKTICK | CH_ANGLE)) !== 0;
    for (let i = 0; i < node.prefix.length; i++) {
      const child = node.prefix[i] as (typeof node.prefix)[number];
      walk(ctx, child, source, visit);
    }
    if (node.name) {
      if (mayNestWords) visitWord(ctx, node.name, source, visit);
      else ctx.s.budget--;
    }
    for (let i = 0; i < node.suffix.length; i++) {
      const child = node.suffix[i] as (typeof node.suffix)[number];
      if (child.type !== "Word") walk(ctx, child, source, visit);
      else if (mayNestWords) visitWord(ctx, child, source, visit);
      else ctx.s.budget--;
    }
    return;
  }
  forEachChild(node, visit);
}

function visitWord(ctx: Ctx, word: Word, source: string, visit: (child: SyntaxNode) => void): void {
  if (mayNestText(word.text)) walk(ctx, word, source, visit);
  else ctx.s.budget--;
}

function analyseSource(ctx: Ctx, source: string): void {
  if (ctx.depth >= MAX_DEPTH) {
    finding(ctx, "shell.too-deep", "escalate", `Shell code is nested more than ${MAX_DEPTH} levels deep.`);
    return;
  }
  const script: ParsedScript = parse(source);
  const errors = script.errors;
  if (errors !== undefined && errors.length > 0 && ctx.s.out.ok) {
    ctx.s.out.ok = false;
    ctx.s.out.error = errors.map((e) => `${e.message} at ${e.pos}`).join("; ");
    finding(ctx, "shell.unparsable", "escalate", "The shell command does not parse, so what it does cannot be checked.", source);
  }
  const inner: Ctx = { s: ctx.s, depth: ctx.depth + 1 };
  const visit = (node: SyntaxNode): void => walk(inner, node, source, visit);
  visit(script);
}

/** Script-wide combinations: something sensitive read and something sent out in the same command line. */
function crossCommandRules(ctx: Ctx, source: string): void {
  const s = ctx.s;
  if (s.sends === 0) return;
  const sensitive = s.out.paths.find((p) => (p.access === "read" || p.access === "unknown") && (credentialKind(p.lexical, s.env.home) !== undefined || p.lexical === s.env.home || (p.broad && p.lexical === s.env.home)));
  if (sensitive) {
    finding(ctx, "exfil.network", "block", `Credentials or private files (${sensitive.raw}) are sent over the network.`, source);
  } else if (s.envDump) {
    finding(ctx, "exfil.network", "block", "The environment, which holds secrets, is sent over the network.", source);
  }
}

/** Analyse a shell command string. Pure: no I/O, no clock. */
const MAX_PAREN_DEPTH = 64;

/** Whether "(" nests deeper than `limit` anywhere in the text (quotes not excluded: this only ever errs on the safe side). */
function parenDepthOver(source: string, limit: number): boolean {
  if (source.length <= limit) return false;
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 40) {
      if (++depth > limit) return true;
    } else if (c === 41 && depth > 0) depth--;
  }
  return false;
}

export function analyseShell(source: string, env: PathEnv): ShellAnalysis {
  const out: ShellAnalysis = { ok: true, commands: [], paths: [], findings: [] };
  const ctx: Ctx = {
    s: { env, out, functions: undefined, calling: undefined, downloads: undefined, sends: 0, envDump: false, fifo: false, decoded: undefined, envPrinted: false, vars: undefined, argvRecent: undefined, argvMap: undefined, budget: 20_000, bases: undefined },
    depth: 0,
  };
  try {
    analyseSource(ctx, source);
    crossCommandRules(ctx, source);
    if (ctx.s.envPrinted && !out.findings.some((f) => f.ruleId.startsWith("cred.") || f.ruleId.startsWith("exfil."))) {
      finding(ctx, "cred.env-dump", "escalate", "The whole environment, including any secrets in it, is printed.", source);
    }
    if (ctx.s.budget < 0) finding(ctx, "shell.too-large", "escalate", "The command is too large to analyse completely.");
    // unbash stops nesting (…) / <(…) at 257 levels without an error and reads the rest as odd commands: nesting
    // that deep is never everyday work, and what it hides cannot be seen.
    if (parenDepthOver(source, MAX_PAREN_DEPTH)) finding(ctx, "shell.too-deep", "escalate", `Shell code is nested more than ${MAX_PAREN_DEPTH} parentheses deep.`);
  } catch (err) {
    out.ok = false;
    out.error = `analyser failure: ${(err as Error).message}`;
    out.findings.push({ ruleId: "shell.unparsable", action: "escalate", reason: "The shell command could not be analysed, so what it does cannot be checked." });
  }
  return out;
}
