// Shell analysis: parse with unbash, unwrap wrappers and nested shells, and report commands, paths and findings.
import { type Command, forEachChild, parse, type ParsedScript, type SyntaxNode, type Word } from "unbash";
import { absolutePath, lexicalPath } from "./paths.ts";
import type { Finding, PathAccess, PathEnv, PathRef, ShellCommand } from "./types.ts";

const MAX_DEPTH = 4;
const MAX_COMMANDS = 500;

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "busybox-sh"]);
const INTERPRETERS = new Set(["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "deno", "bun", "osascript"]);
const FETCHERS = new Set(["curl", "wget", "fetch", "aria2c", "nc", "ncat", "netcat", "socat", "telnet"]);
const DECODERS = new Set(["base64", "base32", "xxd", "rev", "openssl", "gzip", "gunzip", "zcat", "uudecode", "printf", "tr"]);
const WRAPPERS = new Set(["sudo", "doas", "env", "nice", "ionice", "nohup", "timeout", "command", "exec", "time", "xargs", "stdbuf", "busybox", "setsid", "chroot", "unbuffer", "caffeinate", "watch", "strace", "su"]);
const DEVICE_TOOLS = new Set(["mkfs", "wipefs", "fdisk", "sfdisk", "parted", "mkswap", "blkdiscard", "cfdisk", "sgdisk"]);

export type ShellAnalysis = {
  ok: boolean;
  /** Parse error text when ok is false (partial results are still reported). */
  error?: string;
  commands: ShellCommand[];
  paths: PathRef[];
  findings: Finding[];
};

function baseName(name: string): string {
  const b = name.slice(name.lastIndexOf("/") + 1);
  return b.startsWith("mkfs.") ? "mkfs" : b;
}

function isInterpreter(name: string): boolean {
  return SHELLS.has(name) || INTERPRETERS.has(name) || /^python[0-9.]*$/.test(name) || /^perl[0-9.]*$/.test(name);
}

/** Word -> zero or more argument strings (quotes removed; $IFS splits). */
function wordValues(word: Word): string[] {
  const v = word.value.replace(/\$\{IFS\}|\$IFS(?![A-Za-z0-9_])/g, " ");
  return v === word.value ? [v] : v.split(/\s+/).filter(Boolean);
}

function hasDynamicPart(word: Word): boolean {
  for (const part of word.parts ?? []) {
    if (part.type === "CommandExpansion" || part.type === "ArithmeticExpansion" || part.type === "ProcessSubstitution") return true;
    if (part.type === "SimpleExpansion" || part.type === "ParameterExpansion") {
      if (!/^\$\{?IFS\}?$/.test(part.text)) return true;
    }
    if (part.type === "DoubleQuoted" && part.parts.some((p) => p.type !== "Literal")) return true;
  }
  return false;
}

/** Skip wrapper commands (sudo -u x, env A=b, timeout 5, nice -n 10 …) to the command that really runs. */
export function unwrap(argv: readonly string[]): string[] {
  let rest = [...argv];
  for (let guard = 0; guard < 8 && rest.length > 0; guard++) {
    const name = baseName(rest[0] ?? "");
    if (!WRAPPERS.has(name)) break;
    rest = rest.slice(1);
    if (name === "su") {
      const i = rest.indexOf("-c");
      return i >= 0 && rest[i + 1] !== undefined ? ["sh", "-c", rest[i + 1] as string] : rest;
    }
    while (rest.length > 0) {
      const a = rest[0] as string;
      if (name === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) rest = rest.slice(1);
      else if (a === "--") { rest = rest.slice(1); break; }
      else if (a.startsWith("-")) {
        const takesValue = (name === "sudo" && /^-[ugCDhpTr]$/.test(a)) || (name === "nice" && a === "-n") || (name === "ionice" && /^-[cnp]$/.test(a)) || (name === "timeout" && /^-[sk]$/.test(a)) || (name === "xargs" && /^-[InLPEsd]$/.test(a)) || (name === "env" && /^-[uCS]$/.test(a)) || (name === "watch" && /^-[n]$/.test(a));
        rest = rest.slice(takesValue ? 2 : 1);
      } else if (name === "timeout" && /^[0-9.]+[smhd]?$/.test(a)) rest = rest.slice(1);
      else if (name === "chroot") { rest = rest.slice(1); break; }
      else break;
    }
  }
  return rest;
}

function looksLikePath(arg: string): boolean {
  return arg.includes("/") || arg.startsWith("~") || arg.startsWith(".") || /^\$\{?HOME\}?/.test(arg) || /(^|\/)(openclaw\.json|\.env[^/]*|MEMORY\.md|USER\.md)$/.test(arg);
}

type Ctx = { env: PathEnv; out: ShellAnalysis; depth: number };

function addPath(ctx: Ctx, raw: string, access: PathAccess, broad: boolean, via: string): void {
  if (!raw || raw.startsWith("-")) return;
  ctx.out.paths.push({ raw, absolute: absolutePath(raw, ctx.env), lexical: lexicalPath(raw, ctx.env), access, broad: broad || /[*?]/.test(raw), via });
}

function finding(ctx: Ctx, ruleId: string, action: "block" | "escalate", reason: string): void {
  if (!ctx.out.findings.some((f) => f.ruleId === ruleId)) ctx.out.findings.push({ ruleId, action, reason });
}

/** Classify what a simple command does to the paths it names. */
function classifyCommand(ctx: Ctx, argv: readonly string[]): void {
  const name = baseName(argv[0] ?? "");
  const args = argv.slice(1);
  const operands = args.filter((a) => !a.startsWith("-"));
  const via = `exec:${name}`;
  switch (name) {
    case "rm":
    case "rmdir":
    case "unlink":
    case "shred": {
      const recursive = args.some((a) => /^-[a-zA-Z]*[rR]/.test(a) || a === "--recursive");
      for (const a of operands) addPath(ctx, a, "delete", recursive, via);
      return;
    }
    case "find": {
      const roots: string[] = [];
      for (const a of args) { if (a.startsWith("-") || a === "(" || a === "!") break; roots.push(a); }
      const deletes = args.includes("-delete") || args.some((a, i) => (a === "-exec" || a === "-execdir") && ["rm", "shred", "unlink"].includes(baseName(args[i + 1] ?? "")));
      const selective = args.some((a) => /^-(i?name|i?path|i?regex|i?wholename|newer\w*|[amc](time|min)|size|empty|user|group|perm)$/.test(a));
      for (const r of roots.length > 0 ? roots : ["."]) {
        addPath(ctx, r, deletes ? "delete" : "read", deletes, via);
        if (selective) (ctx.out.paths.at(-1) as PathRef).selective = true;
      }
      return;
    }
    case "truncate":
    case "tee":
    case "touch":
      for (const a of operands) if (!/^[0-9]+[KMGkmg]?$/.test(a)) addPath(ctx, a, "write", false, via);
      return;
    case "dd":
      for (const a of args) {
        if (a.startsWith("of=")) addPath(ctx, a.slice(3), "write", false, via);
        else if (a.startsWith("if=")) addPath(ctx, a.slice(3), "read", false, via);
      }
      return;
    case "mv":
      operands.forEach((a, i) => addPath(ctx, a, i === operands.length - 1 ? "write" : "delete", false, via));
      return;
    case "cp":
    case "rsync":
    case "install":
    case "ln":
      operands.forEach((a, i) => addPath(ctx, a, i === operands.length - 1 ? "write" : "read", false, via));
      return;
    case "sed":
    case "perl":
      if (args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place"))) {
        for (const a of operands.slice(1)) addPath(ctx, a, "write", false, via);
        return;
      }
      break;
    case "chmod":
    case "chown":
    case "chgrp":
    case "chattr":
    case "setfacl": {
      const recursive = args.some((a) => /^-[a-zA-Z]*R/.test(a));
      for (const a of operands.slice(1)) addPath(ctx, a, "write", recursive, via);
      return;
    }
    default:
      break;
  }
  if (DEVICE_TOOLS.has(name)) {
    for (const a of operands) addPath(ctx, a, "write", true, via);
    return;
  }
  for (const a of args) {
    const value = a.includes("=") && !a.startsWith("/") ? a.slice(a.indexOf("=") + 1) : a;
    if (looksLikePath(value)) addPath(ctx, value, name === "source" || name === "." ? "exec" : "unknown", false, via);
  }
}

function commandArgv(cmd: Command): { argv: string[]; dynamic: boolean } {
  const argv: string[] = [];
  let dynamic = false;
  if (cmd.name) {
    argv.push(...wordValues(cmd.name));
    dynamic = hasDynamicPart(cmd.name);
  }
  for (const a of cmd.args) if (a.type === "Word") argv.push(...wordValues(a));
  return { argv, dynamic };
}

function innerCommandNames(node: SyntaxNode): string[] {
  const names: string[] = [];
  const visit = (n: SyntaxNode): void => {
    if (names.length > 50) return;
    if (n.type === "Command") {
      const { argv } = commandArgv(n);
      const real = unwrap(argv);
      if (real[0]) names.push(baseName(real[0]));
    }
    forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/** Analyse one simple command (after unwrapping), recursing into nested shells. */
function analyseCommand(ctx: Ctx, cmd: Command): void {
  const { argv, dynamic } = commandArgv(cmd);
  for (const r of cmd.redirects) {
    if (r.type === "Redirect" && r.target) {
      const target = r.target.value;
      if (/^\/dev\/(tcp|udp)\//.test(target)) finding(ctx, "shell.reverse-shell", "block", "The command opens a raw network socket through /dev/tcp or /dev/udp.");
      else if (r.operator === ">" || r.operator === ">>" || r.operator === ">|" || r.operator === "&>" || r.operator === "&>>" || r.operator === "<>") addPath(ctx, target, "write", false, "exec:redirect");
      else if (r.operator === "<") addPath(ctx, target, "read", false, "exec:redirect");
    }
  }
  if (argv.length === 0) return;
  if (dynamic) {
    finding(ctx, "shell.dynamic-command", "escalate", "The command name is computed at run time, so what runs cannot be known in advance.");
    return;
  }
  const real = unwrap(argv);
  const name = baseName(real[0] ?? "");
  if (!name) return;
  if (ctx.out.commands.length < MAX_COMMANDS) ctx.out.commands.push({ name, args: real.slice(1), text: real.join(" ") });
  if (DEVICE_TOOLS.has(name)) finding(ctx, "fs.device-format", "block", `${name} formats or repartitions a disk.`);
  if ((name === "nc" || name === "ncat" || name === "netcat") && real.some((a) => a === "-e" || a === "-c" || a.startsWith("--exec") || a.startsWith("--sh-exec"))) {
    finding(ctx, "shell.reverse-shell", "block", "netcat is asked to attach a program to a network connection.");
  }
  // Nested shells: sh -c STRING, eval STRING.
  if (SHELLS.has(name)) {
    const i = real.findIndex((a, k) => k > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
    if (i > 0 && real[i + 1] !== undefined) analyseSource(ctx, real[i + 1] as string);
    if (real.some((a) => a === "-i") && cmd.redirects.some((r) => r.type === "Redirect" && /^\/dev\/(tcp|udp)\//.test(r.target?.value ?? ""))) {
      finding(ctx, "shell.reverse-shell", "block", "An interactive shell is wired to a network socket.");
    }
  }
  if (name === "eval") analyseSource(ctx, real.slice(1).join(" "));
  // Interpreters fed from a process or command substitution that fetches or decodes.
  if (isInterpreter(name) || name === "eval" || name === "source" || name === ".") {
    const allWords = [cmd.name, ...cmd.args].filter((w): w is Word => w?.type === "Word");
    for (const w of allWords) {
      for (const part of w.parts ?? []) {
        if (part.type === "ProcessSubstitution" || part.type === "CommandExpansion" || part.type === "DoubleQuoted") {
          const names = innerCommandNames(part);
          if (names.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is executed directly.");
          else if (names.some((n) => DECODERS.has(n))) finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and executed, hiding what runs.");
        }
      }
    }
  }
  classifyCommand(ctx, real);
}

/** Pipelines: what feeds an interpreter's stdin decides how dangerous it is. */
function analysePipeline(ctx: Ctx, stages: readonly SyntaxNode[]): void {
  for (let i = 1; i < stages.length; i++) {
    const stage = stages[i];
    if (stage?.type !== "Command") continue;
    const real = unwrap(commandArgv(stage).argv);
    const name = baseName(real[0] ?? "");
    if (!isInterpreter(name) && name !== "xargs") continue;
    const readsStdin = isInterpreter(name) && !real.slice(1).some((a) => !a.startsWith("-") || a === "-c" || a === "-e");
    if (!readsStdin && !(real.length <= 2)) continue;
    const upstream = stages.slice(0, i).flatMap((s) => innerCommandNames(s));
    if (upstream.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is piped into an interpreter.");
    else if (upstream.some((n) => DECODERS.has(n))) finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and piped into an interpreter, hiding what runs.");
    else {
      const prev = stages[i - 1];
      const heredoc = prev?.type === "Command" ? prev.redirects.find((r) => r.type === "HereDoc") : undefined;
      if (heredoc?.type === "HereDoc" && SHELLS.has(name)) analyseSource(ctx, heredoc.body.text);
      else if (SHELLS.has(name)) {
        const prevArgv = prev?.type === "Command" ? unwrap(commandArgv(prev).argv) : [];
        if (prevArgv[0] === "echo" || prevArgv[0] === "printf") analyseSource(ctx, prevArgv.slice(1).join(" "));
        else finding(ctx, "shell.pipe-to-shell", "escalate", "Text produced by another command is executed by a shell.");
      }
    }
  }
}

function walk(ctx: Ctx, node: SyntaxNode): void {
  if (node.type === "Pipeline") analysePipeline(ctx, node.commands);
  if (node.type === "Command") {
    analyseCommand(ctx, node);
    const heredoc = node.redirects.find((r) => r.type === "HereDoc");
    const name = baseName(unwrap(commandArgv(node).argv)[0] ?? "");
    if (heredoc?.type === "HereDoc" && SHELLS.has(name)) analyseSource(ctx, heredoc.body.text);
  }
  if (node.type === "Function") {
    const fname = node.name.value;
    const body = innerCommandNames(node.body);
    if (body.includes(fname)) finding(ctx, "shell.fork-bomb", "block", "A function that spawns itself recursively (fork bomb).");
  }
  forEachChild(node, (child) => walk(ctx, child));
}

function analyseSource(ctx: Ctx, source: string): void {
  if (ctx.depth >= MAX_DEPTH) {
    finding(ctx, "shell.too-deep", "escalate", `Shell code is nested more than ${MAX_DEPTH} levels deep.`);
    return;
  }
  const script: ParsedScript = parse(source);
  const errors = script.errors ?? [];
  if (errors.length > 0 && ctx.out.ok) {
    ctx.out.ok = false;
    ctx.out.error = errors.map((e) => `${e.message} at ${e.pos}`).join("; ");
    finding(ctx, "shell.unparsable", "escalate", "The shell command does not parse, so what it does cannot be checked.");
  }
  walk({ ...ctx, depth: ctx.depth + 1 }, script);
}

/** Analyse a shell command string. Pure: no I/O, no clock. */
export function analyseShell(source: string, env: PathEnv): ShellAnalysis {
  const out: ShellAnalysis = { ok: true, commands: [], paths: [], findings: [] };
  try {
    analyseSource({ env, out, depth: 0 }, source);
  } catch (err) {
    out.ok = false;
    out.error = `analyser failure: ${(err as Error).message}`;
    out.findings.push({ ruleId: "shell.unparsable", action: "escalate", reason: "The shell command could not be analysed, so what it does cannot be checked." });
  }
  return out;
}
