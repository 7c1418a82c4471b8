// memory.*: private memory (memory tools, MEMORY.md, USER.md, memory/**, decision notes) stays out of shared sessions.
import { memoryRoots, type MemoryRoot, reachAny, sessionPrivacy } from "../../memory/private-memory.ts";
import { absolutePath, normalisePath } from "../../patterns/paths.ts";
import type { ShellCommand } from "../../patterns/types.ts";
import type { CompiledPrivateMemory } from "../compile.ts";
import { bridgedCalls } from "../tools.ts";
import type { CallContext, Facts, Hit, ToolCall } from "../types.ts";

export const MEMORY_TOOL_RULE = "memory.tool-in-shared";
export const MEMORY_FILE_RULE = "memory.file-in-shared";

/** Commands that see names, sizes or nothing of a file, never its content: naming private memory is fine. */
const NAME_ONLY = new Set(["ls", "dir", "vdir", "exa", "eza", "tree", "stat", "du", "test", "[", "[[", "realpath", "readlink", "dirname", "basename", "echo", "printf", "pwd", "cd", "pushd", "popd", "mkdir", "which", "type", "true", "false", ":"]);
/** Commands that list names: harmless alone, a leak when the names feed another command (xargs, a loop, $(…)). */
const LISTERS = new Set(["ls", "dir", "vdir", "exa", "eza", "tree", "find", "fd", "fdfind", "locate", "echo", "printf"]);
/** Commands that walk a whole tree whatever their flags (searchers, archivers, copiers, movers). */
const ALWAYS_RECURSIVE = new Set(["rg", "ag", "ack", "ack-grep", "tar", "bsdtar", "gtar", "zip", "7z", "7za", "7zr", "rar", "rsync", "cpio", "pax", "mv", "rclone", "restic", "borg", "duplicity"]);
/** Commands that walk a tree when given -r / -R / -a / --recursive / --archive. */
const FLAG_RECURSIVE = new Set(["grep", "egrep", "fgrep", "zgrep", "ugrep", "cp", "scp", "diff", "rm", "shred", "chmod", "chown", "gsutil", "aws", "s3cmd", "ln"]);
/** Searchers: the first operand is the pattern (unless -e / -f gave it), and with no path they search the working directory. */
const SEARCHERS = new Set(["rg", "ag", "ack", "ack-grep", "grep", "egrep", "fgrep", "zgrep", "ugrep"]);
/** Commands that print, copy or send a file's content: a name computed at run time there may be private memory. */
const CONTENT_READERS = new Set([
  "cat", "tac", "head", "tail", "less", "more", "most", "nl", "od", "xxd", "hexdump", "hd", "strings", "base64", "base32", "basenc", "uuencode",
  "sed", "awk", "gawk", "mawk", "nawk", "cut", "sort", "uniq", "paste", "join", "comm", "diff", "cmp", "fold", "fmt", "pr", "column", "iconv",
  "grep", "egrep", "fgrep", "zgrep", "ugrep", "rg", "ag", "ack", "cp", "mv", "tar", "zip", "7z", "rsync", "scp", "dd", "source", ".", "jq", "yq",
  "gzip", "bzip2", "xz", "zstd", "openssl", "gpg", "curl", "wget", "nc", "ncat", "socat", "python", "python3", "node", "perl", "ruby", "php", "bat", "batcat",
]);
/** git subcommands that print or package file contents from the repository (the workspace is a git repo). */
const GIT_CONTENT = new Set(["show", "diff", "log", "grep", "cat-file", "archive", "blame", "annotate", "bundle", "format-patch", "stash", "whatchanged", "push", "send-email", "fast-export", "difftool"]);
const INTERPRETER = /^(python[0-9.]*|node|nodejs|deno|bun|perl[0-9.]*|ruby|php[0-9.]*|lua[0-9.]*|Rscript|osascript|pwsh|powershell)$/;
/** Inline code that walks directories or names private memory. */
const CODE_REACHES = /listdir|scandir|os\.walk|\bglob\b|rglob|iterdir|readdir|opendir|walkSync|Dir\[|Dir\.|File::Find|Get-ChildItem|memory|user\.md|dreams\.md/i;
/** Script text that feeds one command's output to another as names or arguments. */
const FEEDS_NAMES = /\||\bxargs\b|\bparallel\b|\$\(|`|\bfor\s+\w+\s+in\b|\bwhile\b[^;]*\bread\b|<\(/;
const FIND_ACTS = /^-(exec|execdir|ok|okdir|fprint0?|fprintf|fls)$/;

function base(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

function isRecursive(name: string, args: readonly string[]): boolean {
  if (ALWAYS_RECURSIVE.has(name)) return true;
  if (!FLAG_RECURSIVE.has(name)) return false;
  return args.some((a) => (!a.startsWith("--") && /^-[a-zA-Z]*[rRa]/.test(a)) || a === "--recursive" || a === "--archive" || a === "-d" || a === "--directories=recurse" || a === "--dereference-recursive");
}

type Found = { how: string; raw: string };

/** Paths the call names (tool arguments, redirects, interpreter code, derived paths), as written and resolved on disk. */
function pathHit(facts: Facts, roots: readonly MemoryRoot[]): Found | undefined {
  for (const p of facts.analysis.paths) {
    const command = p.via.startsWith("exec:") ? p.via.slice(5) : undefined;
    // Listing commands are judged by commandHit (names alone are not content).
    if (command !== undefined && (NAME_ONLY.has(command) || LISTERS.has(command))) continue;
    for (const candidate of p.real !== undefined && p.real !== p.lexical ? [p.lexical, p.real] : [p.lexical]) {
      const r = reachAny(candidate, roots);
      if (r === "inside") return { how: p.access === "write" || p.access === "delete" ? "changes" : "reads", raw: p.raw };
      // A plugin tool handed a folder holding private memory (dir: ".") may read all of it; shell commands are judged below.
      if (r === "ancestor" && command === undefined && p.access === "unknown") return { how: "hands a folder holding", raw: p.raw };
    }
  }
  return undefined;
}

/** The words of a command that may be paths: operands, and values of --opt=value. */
function operandsOf(name: string, args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.startsWith("-")) {
      const eq = a.indexOf("=");
      if (eq > 0) out.push(a.slice(eq + 1));
      continue;
    }
    out.push(a);
    // git show HEAD:MEMORY.md, scp host:path: the part after the last colon is a path too.
    if (name === "git" && a.includes(":")) out.push(a.slice(a.lastIndexOf(":") + 1));
  }
  return out;
}

/** Flags of grep / rg / ag / ack that take a value (not a path); -f takes a pattern file, which is a path. */
const SEARCH_VALUE_FLAGS = new Set(["-A", "-B", "-C", "-m", "-d", "-D", "-g", "-t", "-T", "-M", "-j", "-E", "-r", "--glob", "--type", "--type-not", "--max-count", "--context", "--after-context", "--before-context", "--replace", "--include", "--exclude", "--exclude-dir", "--color", "--colour"]);

/** The paths a searcher searches: its operands minus the pattern (the first operand unless -e / -f gave it). */
function searchPaths(name: string, args: readonly string[]): string[] {
  const values = name === "rg" ? SEARCH_VALUE_FLAGS : new Set([...SEARCH_VALUE_FLAGS].filter((f) => f !== "-E" && f !== "-r"));
  const operands: string[] = [];
  let patternGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-e" || a === "--regexp") {
      patternGiven = true;
      i++;
    } else if (a === "-f" || a === "--file") {
      patternGiven = true;
      if (args[i + 1] !== undefined) operands.push(args[i + 1] as string);
      i++;
    } else if (values.has(a)) i++;
    else if (a.startsWith("-")) {
      const eq = a.indexOf("=");
      if (a.startsWith("--regexp=")) patternGiven = true;
      else if (a.startsWith("--file=")) {
        patternGiven = true;
        operands.push(a.slice(7));
      } else if (eq > 0 && !values.has(a.slice(0, eq))) operands.push(a.slice(eq + 1));
    } else operands.push(a);
  }
  return patternGiven ? operands : operands.slice(1);
}

/** A word whose value is only known at run time ($(…), `…`, $VAR other than $HOME). */
function isComputed(word: string): boolean {
  return word.includes("`") || /\$(?!\{?HOME\b)[({A-Za-z_]/.test(word);
}

/** Shell commands (exec, process input, nested sh -c, find -exec…): what each one reads, copies or lists. */
function shellHit(facts: Facts, roots: readonly MemoryRoot[], feeds: boolean): Found | undefined {
  const commands = facts.analysis.shell?.commands;
  if (!commands || commands.length === 0) return undefined;
  const home = facts.host.home;
  const start = facts.analysis.workdir ?? facts.host.workspace;
  // cd / pushd change where later relative names point; every directory the script may be in is tried.
  const cwds = [start];
  for (const c of commands) {
    if ((c.name === "cd" || c.name === "pushd") && cwds.length < 8) {
      const target = c.args.find((a) => !a.startsWith("-"));
      for (const from of [...cwds]) cwds.push(target === undefined ? home : normalisePath(absolutePath(target, { home, cwd: from })));
    }
  }
  const resolve = (word: string): string[] => cwds.map((cwd) => normalisePath(absolutePath(word, { home, cwd })));
  const cwdReaches = cwds.some((c) => reachAny(c, roots) !== undefined);
  for (const c of commands) {
    const hit = commandHit(c, roots, resolve, cwdReaches, feeds);
    if (hit) return hit;
  }
  return undefined;
}

function commandHit(c: ShellCommand, roots: readonly MemoryRoot[], resolve: (w: string) => string[], cwdReaches: boolean, feeds: boolean): Found | undefined {
  const name = base(c.name);
  const args = c.args;
  const evidence = c.text.slice(0, 200);
  const reaches = (w: string) => resolve(w).some((p) => reachAny(p, roots) !== undefined);
  if (name === "git") {
    const sub = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-C" && args[i - 1] !== "-c");
    const dir = args.includes("-C") ? (args[args.indexOf("-C") + 1] ?? ".") : ".";
    if (sub !== undefined && GIT_CONTENT.has(sub) && reaches(dir)) return { how: "prints or ships the repository content holding", raw: evidence };
  }
  if (INTERPRETER.test(name) && cwdReaches && args.some((a) => CODE_REACHES.test(a))) return { how: "runs code that may walk or open", raw: evidence };
  if (name === "find") {
    const starts: string[] = [];
    for (const a of args) {
      if (a.startsWith("-") || a === "(" || a === "!" || a === "\\(") break;
      starts.push(a);
    }
    // find lists names; with -exec / -ok, or its output fed on, it opens what it found.
    if (!args.some((a) => FIND_ACTS.test(a)) && !feeds) return undefined;
    return (starts.length > 0 ? starts : ["."]).some(reaches) ? { how: "opens every file found in a folder holding", raw: evidence } : undefined;
  }
  const operands = operandsOf(name, args);
  if (LISTERS.has(name)) {
    // Names are not content, unless they are fed into another command (ls | xargs cat, for f in *; …).
    if (!feeds) return undefined;
    const targets = name === "echo" || name === "printf" ? operands.filter((w) => /[*?[]/.test(w)) : operands.length > 0 ? operands : ["."];
    return targets.some(reaches) ? { how: "lists names that another command then opens in", raw: evidence } : undefined;
  }
  if (NAME_ONLY.has(name)) return undefined;
  const recursive = isRecursive(name, args);
  let words = operands;
  if (SEARCHERS.has(name)) {
    words = searchPaths(name, args);
    if (words.length === 0 && (recursive || name === "rg" || name === "ag" || name === "ack" || name === "ack-grep")) words = ["."];
  }
  for (const w of words) {
    if (isComputed(w)) {
      if (cwdReaches && CONTENT_READERS.has(name)) return { how: "opens a name computed at run time, next to", raw: evidence };
      continue;
    }
    for (const p of resolve(w)) {
      const r = reachAny(p, roots);
      if (r === "inside") return { how: "reads or changes", raw: evidence };
      if (r === "ancestor" && recursive) return { how: "searches, copies or archives a folder holding", raw: evidence };
    }
  }
  return undefined;
}

/** The whole check: undefined in private sessions, when disabled, or when the call does not reach private memory. */
export function checkPrivateMemory(spec: CompiledPrivateMemory, call: ToolCall, ctx: CallContext, facts: Facts): Hit | undefined {
  if (!spec.enabled) return undefined;
  const privacy = sessionPrivacy(ctx, spec.senders);
  if (privacy.private) return undefined;
  const names = [call.tool, ...bridgedCalls(call.tool, call.params).map((c) => c.tool)];
  const tool = names.find((n) => spec.isMemoryTool(n));
  if (tool !== undefined) {
    return { ruleId: MEMORY_TOOL_RULE, verdict: "block", reason: `${tool} reads private memory, which stays out of shared sessions (${privacy.why}).`, evidence: names.join(" -> ") };
  }
  const roots = memoryRoots(spec.paths, facts.host);
  const feeds = facts.analysis.shell !== undefined && facts.analysis.strings.some((s) => FEEDS_NAMES.test(s));
  const found = pathHit(facts, roots) ?? shellHit(facts, roots, feeds);
  if (found === undefined) return undefined;
  return { ruleId: MEMORY_FILE_RULE, verdict: "block", reason: `The call ${found.how} private memory (${found.raw}), which stays out of shared sessions (${privacy.why}).`, evidence: found.raw };
}
