// Shell analysis: parse with unbash, expand and unwrap like the shell would, and report commands, paths and findings.
import { type Command, forEachChild, parse, type ParsedScript, type SyntaxNode, type Word } from "unbash";
import { credentialKind } from "./credentials.ts";
import { findSecretShape } from "./secrets.ts";
import { binariesMatching, expandBraces } from "./expand.ts";
import { analyseInlineCode, inlineCode } from "./interpreters.ts";
import { absolutePath, lexicalPath } from "./paths.ts";
import type { Finding, PathAccess, PathEnv, PathRef, ShellCommand } from "./types.ts";
import { hasNonAscii } from "./unicode.ts";

const MAX_DEPTH = 6;
const MAX_COMMANDS = 500;

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "mksh", "busybox-sh"]);
const INTERPRETERS = new Set(["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "deno", "bun", "osascript", "awk", "gawk"]);
const FETCHERS = new Set(["curl", "wget", "fetch", "aria2c", "nc", "ncat", "netcat", "socat", "telnet", "http", "https", "xh", "lwp-download", "ftp", "tftp"]);
const DECODERS = new Set(["base64", "base32", "xxd", "rev", "openssl", "gzip", "gunzip", "zcat", "uudecode", "printf", "tr", "od", "basenc", "gpg"]);
const WRAPPERS = new Set(["sudo", "doas", "env", "nice", "ionice", "nohup", "timeout", "command", "exec", "time", "xargs", "stdbuf", "busybox", "setsid", "chroot", "unbuffer", "caffeinate", "watch", "strace", "su", "runuser", "flock", "taskset", "chrt", "script", "eatmydata", "fakeroot"]);
const DEVICE_TOOLS = new Set(["mkfs", "wipefs", "fdisk", "sfdisk", "parted", "mkswap", "blkdiscard", "cfdisk", "sgdisk"]);
const SECRET_WORDS = /token|secret|pass|key|cred|auth|api|aws|sk-|ghp_/i;

export type ShellAnalysis = {
  ok: boolean;
  /** Parse error text when ok is false (partial results are still reported). */
  error?: string;
  commands: ShellCommand[];
  paths: PathRef[];
  findings: Finding[];
};

/** State shared by one whole analysis (all nesting levels). */
type Shared = {
  env: PathEnv;
  out: ShellAnalysis;
  functions: Map<string, string>;
  /** Files a fetcher wrote (-o, -O, redirect), by lexical path. */
  downloads: Set<string>;
  /** Script-wide facts for rules that combine several commands. */
  sends: string[];
  envDump: boolean;
  fifo: boolean;
  /** Commands reading a pipe (not the first stage): a bare `bash` there is not interactive. */
  piped: Set<Command>;
  budget: { nodes: number };
};
type Ctx = { s: Shared; depth: number };

export function baseName(name: string): string {
  const b = name.slice(name.lastIndexOf("/") + 1);
  return b.startsWith("mkfs.") ? "mkfs" : b;
}

function isInterpreter(name: string): boolean {
  return SHELLS.has(name) || INTERPRETERS.has(name) || /^python[0-9.]*$/.test(name) || /^perl[0-9.]*$/.test(name);
}

function hasPart(word: Word, type: string): boolean {
  return (word.parts ?? []).some((p) => p.type === type);
}

/** Word -> the argument strings the shell would pass: quotes removed, braces expanded, $IFS split. */
function wordValues(word: Word): string[] {
  const raw = word.value;
  // Cheap text checks first: touching `parts` makes unbash build them.
  const values = raw.includes("{") && raw.includes("}") && hasPart(word, "BraceExpansion") ? expandBraces(raw) : [raw];
  if (!raw.includes("IFS")) return values;
  return values.flatMap((value) => {
    const v = value.replace(/\$\{IFS\}|\$IFS(?![A-Za-z0-9_])|\$\{IFS:[^}]*\}/g, " ");
    return v === value ? [v] : v.split(/\s+/).filter(Boolean);
  });
}

function hasDynamicPart(word: Word): boolean {
  if (!/[$`]/.test(word.text)) return false;
  for (const part of word.parts ?? []) {
    if (part.type === "CommandExpansion" || part.type === "ArithmeticExpansion" || part.type === "ProcessSubstitution") return true;
    if (part.type === "SimpleExpansion" || part.type === "ParameterExpansion") {
      if (!/^\$\{?IFS(:[^}]*)?\}?$/.test(part.text)) return true;
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
        if ((name === "sudo" || name === "doas") && /^-[a-zA-Z]*[is]$/.test(a) && rest.length === 1) return ["sh", "-i"];
        const takesValue =
          (name === "sudo" && /^-[ugCDhpTrU]$/.test(a)) || (name === "doas" && a === "-u") || (name === "nice" && a === "-n") ||
          (name === "ionice" && /^-[cnp]$/.test(a)) || (name === "timeout" && /^-[sk]$/.test(a)) || (name === "xargs" && /^-[InLPEsda]$/.test(a)) ||
          (name === "env" && /^-[uCS]$/.test(a)) || (name === "watch" && /^-[n]$/.test(a)) || (name === "taskset" && /^-[c]$/.test(a)) ||
          (name === "flock" && /^-[wE]$/.test(a)) || (name === "stdbuf" && /^-[ioe]$/.test(a));
        rest = rest.slice(takesValue ? 2 : 1);
      } else if ((name === "timeout" && /^[0-9.]+[smhd]?$/.test(a)) || (name === "taskset" && /^(0x)?[0-9a-f,-]+$/i.test(a)) || (name === "chrt" && /^\d+$/.test(a)) || (name === "flock" && rest.length > 1 && !rest[1]?.startsWith("-") && a.includes("/"))) {
        rest = rest.slice(1);
      } else if (name === "chroot") {
        rest = rest.slice(1);
        break;
      } else break;
    }
    if (rest.length === 0 && (name === "sudo" || name === "doas")) return [];
    if (rest.length === 0 && name === "env") return ["env"];
  }
  return rest;
}

function looksLikePath(arg: string): boolean {
  return arg.includes("/") || arg.startsWith("~") || arg.startsWith(".") || /^\$\{?HOME\}?/.test(arg) || /(^|\/)(openclaw\.json|\.env[^/]*|MEMORY\.md|USER\.md)$/.test(arg);
}

function addPath(ctx: Ctx, raw: string, access: PathAccess, broad: boolean, via: string, selective = false): void {
  if (!raw || raw === "-") return;
  const env = ctx.s.env;
  const ref: PathRef = { raw, absolute: absolutePath(raw, env), lexical: lexicalPath(raw, env), access, broad: broad || /[*?]/.test(raw), via };
  if (selective) ref.selective = true;
  ctx.s.out.paths.push(ref);
}

function finding(ctx: Ctx, ruleId: string, action: "block" | "escalate", reason: string, evidence?: string): void {
  const found = ctx.s.out.findings;
  if (found.some((f) => f.ruleId === ruleId)) return;
  found.push(evidence ? { ruleId, action, reason, evidence: evidence.slice(0, 300) } : { ruleId, action, reason });
}

/** Hosts that are this machine. */
function isLocalHost(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0)$/i.test(host);
}

function urlHost(arg: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(arg);
  return m?.[1];
}

/** Per-command semantics: the paths it touches and single-command catalogue rules. */
function classifyCommand(ctx: Ctx, argv: readonly string[], text: string): void {
  const name = baseName(argv[0] ?? "");
  const args = argv.slice(1);
  const operands = args.filter((a) => !a.startsWith("-"));
  const via = `exec:${name}`;
  const env = ctx.s.env;
  switch (name) {
    case "rm":
    case "rmdir":
    case "unlink":
    case "shred":
    case "srm": {
      const recursive = args.some((a) => /^-[a-zA-Z]*[rR]/.test(a) || a === "--recursive") || name === "shred";
      for (const a of operands) addPath(ctx, a, "delete", recursive && name !== "shred" ? true : name === "shred", via);
      return;
    }
    case "find": {
      const roots: string[] = [];
      for (const a of args) {
        if (a.startsWith("-") || a === "(" || a === "!" || a === "\\(") break;
        roots.push(a);
      }
      const deletes = args.includes("-delete") || args.some((a, i) => (a === "-exec" || a === "-execdir" || a === "-ok") && ["rm", "shred", "unlink", "srm"].includes(baseName(args[i + 1] ?? "")));
      const selective = args.some((a) => /^-(i?name|i?path|i?regex|i?wholename|newer\w*|[amc](time|min)|size|empty|user|group|perm)$/.test(a));
      for (const r of roots.length > 0 ? roots : ["."]) addPath(ctx, r, deletes ? "delete" : "read", deletes, via, selective);
      const names = args.filter((_, i) => /^-i?(name|path|wholename)$/.test(args[i - 1] ?? ""));
      if (names.some((n) => /id_(rsa|dsa|ecdsa|ed25519)|\.pem|\.key\b|\.kdbx|wallet\.dat|credentials|\.netrc|\.env\b|\.git-credentials/.test(n))) {
        finding(ctx, "cred.search", "escalate", "The command searches the disk for private keys or credential files.", text);
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
      operands.forEach((a, i) => addPath(ctx, a, i === operands.length - 1 && operands.length > 1 ? "write" : "delete", false, via));
      return;
    case "cp":
    case "install":
    case "ln":
      operands.forEach((a, i) => addPath(ctx, a, i === operands.length - 1 && operands.length > 1 ? "write" : "read", false, via));
      return;
    case "scp":
    case "rsync":
    case "sftp": {
      const remote = operands.find((a) => /^[^/\s]*@?[^/\s]+:/.test(a) && !/^[a-z]+:\/\//i.test(a));
      operands.forEach((a, i) => {
        if (/^[^/\s]*@?[^/\s]+:/.test(a)) return;
        addPath(ctx, a, i === operands.length - 1 && operands.length > 1 && !remote ? "write" : "read", false, via);
      });
      if (remote && operands.indexOf(remote) === operands.length - 1) {
        const host = remote.slice(remote.indexOf("@") + 1, remote.indexOf(":"));
        if (!isLocalHost(host)) ctx.s.sends.push(text);
      }
      return;
    }
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
      const recursive = args.some((a) => /^-[a-zA-Z]*R/.test(a) || a === "--recursive");
      const mode = operands[0] ?? "";
      for (const a of operands.slice(1)) addPath(ctx, a, "write", recursive, via);
      if (name === "chmod" && (/^[0-7]*[4-7][0-7]{3}$/.test(mode) && mode.length === 4 && /^[2467]/.test(mode) || /^[ugoa]*[+=][rwxXt]*s/.test(mode))) {
        finding(ctx, "priv.setuid", "block", "The command sets the setuid/setgid bit, letting anyone run the file with its owner's rights.", text);
      }
      return;
    }
    case "setcap":
      finding(ctx, "priv.capability", "block", "The command grants Linux capabilities to a binary.", text);
      return;
    case "useradd":
    case "usermod":
    case "adduser":
    case "groupadd":
    case "gpasswd":
    case "visudo":
      if (name === "visudo" || args.some((a, i) => a === "-o" || (a === "-u" && args[i + 1] === "0") || /^(sudo|wheel|root|admin|docker|disk)$/.test(a) || /(^|,)(sudo|wheel|root|admin|docker|disk)(,|$)/.test(args[i + 1] ?? "") && /^-[a-zA-Z]*G$/.test(a))) {
        finding(ctx, "priv.user", "block", "The command creates or changes an account with root or administrator rights.", text);
      } else finding(ctx, "priv.user-change", "escalate", "The command creates or changes a system account.", text);
      return;
    case "passwd":
    case "chpasswd":
      finding(ctx, "priv.user-change", "escalate", "The command changes account passwords.", text);
      return;
    case "docker":
    case "podman":
    case "nerdctl":
      if (/^(run|create|exec)$/.test(args[0] ?? "") && args.some((a, i) => a === "--privileged" || /^--(pid|net|network|ipc|userns)=host$/.test(a) || ((a === "-v" || a === "--volume") && /^\/(:|$)|^\/(etc|root|var\/run\/docker\.sock)(:|$)/.test(args[i + 1] ?? "")) || /^--volume=\/(:|etc|root)/.test(a))) {
        finding(ctx, "priv.container-escape", "block", "The container is given the host's root filesystem, devices or namespaces.", text);
      }
      break;
    case "crontab":
      if (!args.every((a) => a === "-l" || a === "-u" || /^[a-z_][a-z0-9_-]*$/.test(a)) || operands.length > 0 && !args.includes("-l")) {
        finding(ctx, "persist.cron", "escalate", "The command installs a crontab, which runs commands on a schedule.", text);
      }
      return;
    case "systemctl":
      if (args.some((a) => /^(enable|link|preset|set-default)$/.test(a))) finding(ctx, "persist.service", "escalate", "The command makes a service start at boot or login.", text);
      break;
    case "launchctl":
      if (args.some((a) => /^(load|bootstrap|enable|submit)$/.test(a))) finding(ctx, "persist.service", "escalate", "The command registers a launch agent or daemon.", text);
      break;
    case "update-rc.d":
    case "chkconfig":
      finding(ctx, "persist.service", "escalate", "The command makes a service start at boot.", text);
      return;
    case "history":
      if (args.some((a) => /^-[a-z]*[cdw]/.test(a))) finding(ctx, "safeguard.history", "block", "The command erases the shell history that records what was done.", text);
      return;
    case "unset":
    case "export":
    case "declare":
    case "typeset":
      if (args.some((a) => /^HIST(FILE|SIZE|FILESIZE|CONTROL|IGNORE)\b/.test(a))) finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
      return;
    case "set":
      if (args.join(" ").includes("+o history")) finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
      if (args.length === 0) ctx.s.envDump = true;
      return;
    case "env":
    case "printenv":
      if (operands.length === 0) ctx.s.envDump = true;
      return;
    case "security":
      if (/^(find-generic-password|find-internet-password|dump-keychain|export)$/.test(args[0] ?? "")) finding(ctx, "cred.keychain", "block", "The command reads passwords from the system keychain.", text);
      return;
    case "secret-tool":
    case "keyctl":
      if (/^(lookup|search|print|read|pipe)$/.test(args[0] ?? "")) finding(ctx, "cred.keychain", "block", "The command reads secrets from the system keyring.", text);
      return;
    case "socat":
      if (args.some((a) => /^(exec|system):/i.test(a))) finding(ctx, "shell.reverse-shell", "block", "socat attaches a program to a network connection.", text);
      if (args.some((a) => /^(tcp|udp|openssl|ssl)[46]?(-connect)?:/i.test(a))) ctx.s.sends.push(text);
      return;
    case "nc":
    case "ncat":
    case "netcat":
    case "telnet": {
      if (args.some((a) => a === "-e" || a === "-c" || a.startsWith("--exec") || a.startsWith("--sh-exec") || a.startsWith("--lua-exec"))) {
        finding(ctx, "shell.reverse-shell", "block", `${name} is asked to attach a program to a network connection.`, text);
      }
      const host = operands.find((a) => !/^\d+$/.test(a));
      if (host && !isLocalHost(host) && !args.some((a) => /^-[a-z]*l/.test(a))) ctx.s.sends.push(text);
      for (const a of operands) if (looksLikePath(a)) addPath(ctx, a, "read", false, via);
      return;
    }
    case "ssh":
    case "autossh": {
      const dest = operands.find((a) => a.includes("@") || /^[a-z0-9.-]+\.[a-z]{2,}$|^\d+\.\d+\.\d+\.\d+$/i.test(a));
      if (args.some((a, i) => /^-[a-zA-Z]*[RD]$/.test(a) && args[i + 1] !== undefined) || args.some((a) => /^-[RD]\d/.test(a))) {
        finding(ctx, "net.tunnel", "escalate", "The command opens a tunnel that exposes this machine through another host.", text);
      }
      if (dest && !isLocalHost(dest.slice(dest.indexOf("@") + 1))) ctx.s.sends.push(text);
      return;
    }
    case "ngrok":
    case "cloudflared":
    case "bore":
    case "frpc":
    case "chisel":
      finding(ctx, "net.tunnel", "escalate", "The command publishes a local service through an outside tunnel.", text);
      return;
    case "mkfifo":
    case "mknod":
      ctx.s.fifo = true;
      return;
    case "curl":
    case "wget":
    case "http":
    case "https":
    case "xh": {
      const upload = args.some((a) => /^(-d|--data(-\w+)?|-F|--form|-T|--upload-file|--post-file|--post-data|--body-file|-X(POST|PUT)?|--request)$/.test(a) || /^--data(-\w+)?=/.test(a) || /^--post-(file|data)=/.test(a));
      const hosts = args.map(urlHost).filter((h): h is string => h !== undefined);
      const remote = hosts.some((h) => !isLocalHost(h));
      args.forEach((a, i) => {
        const prev = args[i - 1] ?? "";
        if (a.startsWith("@") && /^(-d|--data(-\w+)?|-F|--form)$/.test(prev)) addPath(ctx, a.slice(1), "read", false, via);
        else if (/^[a-z]+=@/.test(a) && /^(-F|--form)$/.test(prev)) addPath(ctx, a.slice(a.indexOf("@") + 1), "read", false, via);
        else if (/^(-T|--upload-file|--post-file|--body-file)$/.test(prev)) addPath(ctx, a, "read", false, via);
        else if (/^--post-file=/.test(a)) addPath(ctx, a.slice(a.indexOf("=") + 1), "read", false, via);
        else if (/^(-o|--output|-O|--output-document)$/.test(prev) && prev !== "-O" || (prev === "-O" && name === "wget")) {
          addPath(ctx, a, "write", false, via);
          ctx.s.downloads.add(lexicalPath(a, env));
        }
      });
      if (name === "curl" && args.some((a) => a === "-O" || a === "--remote-name")) {
        for (const a of args) {
          const h = urlHost(a);
          if (h) ctx.s.downloads.add(lexicalPath(a.slice(a.lastIndexOf("/") + 1).split("?")[0] ?? "", env));
        }
      }
      if (name === "wget" && !args.some((a) => a === "-O" || a.startsWith("--output-document"))) {
        for (const a of args) if (urlHost(a)) ctx.s.downloads.add(lexicalPath(a.slice(a.lastIndexOf("/") + 1).split("?")[0] ?? "", env));
      }
      if (remote && (upload || args.some((a) => a.startsWith("@")))) ctx.s.sends.push(text);
      const leaked = args.find((a, i) => urlHost(a) !== undefined && !isLocalHost(urlHost(a) ?? "") && !/^(-H|--header)$/.test(args[i - 1] ?? "") && findSecretShape(a));
      if (leaked) finding(ctx, "exfil.secret-out", "block", `A credential (${findSecretShape(leaked)}) is sent inside a URL.`, text);
      return;
    }
    case "dig":
    case "nslookup":
    case "host":
    case "ping":
    case "drill":
      return;
    case "tar":
    case "zip":
    case "7z": {
      const dirIndex = args.findIndex((a) => a === "-C" || a === "--directory");
      const base = dirIndex >= 0 ? args[dirIndex + 1] : undefined;
      const files = args.filter((a, i) => !a.startsWith("-") && i !== dirIndex + 1 && !(name === "tar" && i === 0 && /^[a-zA-Z]+$/.test(a)) && !(/^-[a-zA-Z]*f$/.test(args[i - 1] ?? "")));
      for (const a of files) {
        const path = base && !a.startsWith("/") && !a.startsWith("~") ? `${base.replace(/\/+$/, "")}/${a}` : a;
        if (looksLikePath(path) || a === "~" || base) addPath(ctx, path, "read", true, via);
      }
      return;
    }
    default:
      break;
  }
  if (DEVICE_TOOLS.has(name)) {
    for (const a of operands) addPath(ctx, a, "write", true, via);
    finding(ctx, "fs.device-format", "block", `${name} formats or repartitions a disk.`, text);
    return;
  }
  for (const a of args) {
    const value = a.includes("=") && !a.startsWith("/") ? a.slice(a.indexOf("=") + 1) : a;
    if (looksLikePath(value) || value === "~") addPath(ctx, value, name === "source" || name === "." ? "exec" : "unknown", false, via);
  }
}

type Argv = { argv: string[]; dynamic: boolean; globName: boolean; nameWord: string };
const argvCache = new WeakMap<Command, Argv>();

/** The command's words as the shell would pass them (memoised per AST node: several rules ask). */
function commandArgv(cmd: Command): Argv {
  const cached = argvCache.get(cmd);
  if (cached) return cached;
  const result = computeArgv(cmd);
  argvCache.set(cmd, result);
  return result;
}

function computeArgv(cmd: Command): Argv {
  const argv: string[] = [];
  let dynamic = false;
  let globName = false;
  let nameWord = "";
  if (cmd.name) {
    const values = wordValues(cmd.name);
    argv.push(...values);
    nameWord = cmd.name.value;
    dynamic = hasDynamicPart(cmd.name);
    globName = /[*?[]/.test(nameWord) && (hasPart(cmd.name, "Glob") || hasPart(cmd.name, "ExtendedGlob"));
  }
  for (const a of cmd.args) if (a.type === "Word") argv.push(...wordValues(a));
  return { argv, dynamic, globName, nameWord };
}

function innerCommandNames(node: SyntaxNode): string[] {
  const names: string[] = [];
  const visit = (n: SyntaxNode): void => {
    if (names.length > 50 || !mayNest(n)) return;
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

function isDownloadRun(ctx: Ctx, real: readonly string[]): boolean {
  if (ctx.s.downloads.size === 0) return false;
  const env = ctx.s.env;
  const name = real[0] ?? "";
  const candidates = [name, ...(isInterpreter(baseName(name)) ? real.slice(1).filter((a) => !a.startsWith("-")) : [])];
  return candidates.some((c) => c.length > 0 && (c.includes("/") || isInterpreter(baseName(name))) && ctx.s.downloads.has(lexicalPath(c, env)));
}

/** Analyse one simple command (after expansion and unwrapping), recursing into nested code. */
function analyseCommand(ctx: Ctx, cmd: Command, source: string): void {
  const { argv, dynamic, globName, nameWord } = commandArgv(cmd);
  const text = source.slice(cmd.pos, cmd.end);
  for (const assignment of cmd.prefix) {
    if (assignment.type === "Assignment" && /^HIST(FILE|SIZE|FILESIZE)$/.test(assignment.name)) {
      finding(ctx, "safeguard.history", "block", "The command disables the shell history that records what was done.", text);
    }
  }
  for (const r of cmd.redirects) {
    if (r.type === "Redirect" && r.target) {
      const target = r.target.value;
      if (/^\/dev\/(tcp|udp)\//.test(target)) {
        finding(ctx, "shell.reverse-shell", "block", "The command opens a raw network socket through /dev/tcp or /dev/udp.", text);
        ctx.s.sends.push(text);
      } else if (r.operator === ">" || r.operator === ">>" || r.operator === ">|" || r.operator === "&>" || r.operator === "&>>" || r.operator === "<>") {
        addPath(ctx, target, "write", false, "exec:redirect");
        if (argv[0] && FETCHERS.has(baseName(argv[0]))) ctx.s.downloads.add(lexicalPath(target, ctx.s.env));
      } else if (r.operator === "<") addPath(ctx, target, "read", false, "exec:redirect");
    }
  }
  if (argv.length === 0) return;
  if (dynamic) {
    finding(ctx, "shell.dynamic-command", "escalate", "The command name is computed at run time, so what runs cannot be known in advance.", text);
    return;
  }
  if (hasNonAscii(nameWord) || argv.slice(0, 3).some((a) => a.startsWith("-") && hasNonAscii(a))) {
    finding(ctx, "unicode.lookalike", "escalate", "A command word contains non-ASCII look-alike characters.", text);
  }
  let names = [argv[0] as string];
  if (globName) {
    names = binariesMatching(argv[0] as string);
    if (names.length === 0) {
      finding(ctx, "shell.dynamic-command", "escalate", "The command name is a glob, so what runs depends on the filesystem.", text);
      return;
    }
  }
  for (const first of names.slice(0, 4)) analyseArgv(ctx, [first, ...argv.slice(1)], cmd, text);
}

function analyseArgv(ctx: Ctx, argv: string[], cmd: Command, text: string): void {
  const real = unwrap(argv);
  if (real.length === 0) {
    if (argv.length > 0 && /^(sudo|doas)$/.test(baseName(argv[0] ?? ""))) finding(ctx, "priv.root-shell", "block", "The command opens a root shell.", text);
    return;
  }
  const name = baseName(real[0] ?? "");
  if (!name) return;
  const viaSudo = argv.length > 0 && /^(sudo|doas|su|runuser)$/.test(baseName(argv[0] ?? ""));
  if (ctx.s.out.commands.length < MAX_COMMANDS) ctx.s.out.commands.push({ name, args: real.slice(1), text: real.join(" ") });
  if (isDownloadRun(ctx, real)) finding(ctx, "shell.remote-code", "block", "A file just downloaded from the network is executed.", text);
  // A call of a function defined earlier in the script runs its body with these arguments.
  const body = ctx.s.functions.get(name);
  if (body !== undefined) {
    const args = real.slice(1);
    analyseSource(ctx, body.replace(/\$\{?([1-9@*])\}?/g, (_, n: string) => (n === "@" || n === "*" ? args.join(" ") : (args[Number(n) - 1] ?? ""))));
    return;
  }
  if (SHELLS.has(name)) {
    const i = real.findIndex((a, k) => k > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
    if (i > 0 && real[i + 1] !== undefined) analyseSource(ctx, real[i + 1] as string);
    const interactive = real.slice(1).some((a) => /^-[a-zA-Z]*i/.test(a) || a === "-l" || a === "--login") || (real.length === 1 && !ctx.s.piped.has(cmd));
    if (interactive && i < 0) {
      if (viaSudo) finding(ctx, "priv.root-shell", "block", "The command opens a root shell.", text);
      if (cmd.redirects.some((r) => r.type === "Redirect" && /^\/dev\/(tcp|udp)\/|^&?\d+$/.test(r.target?.value ?? "") && /^\/dev\/(tcp|udp)\//.test(r.target?.value ?? ""))) {
        finding(ctx, "shell.reverse-shell", "block", "An interactive shell is wired to a network socket.", text);
      }
    }
  }
  if (name === "eval") analyseSource(ctx, real.slice(1).join(" "));
  // Interpreters fed code inline, or from substitutions that fetch or decode.
  if (isInterpreter(name) && !SHELLS.has(name)) {
    const code = inlineCode(name, real.slice(1));
    if (code !== undefined) {
      const inline = analyseInlineCode(code);
      for (const f of inline.findings) finding(ctx, f.ruleId, f.action, f.reason, text);
      for (const snippet of inline.shellSnippets.slice(0, 8)) analyseSource(ctx, snippet);
      for (const p of inline.deletePaths) addPath(ctx, p, "delete", true, `exec:${name}`);
      if (/(post|put|send|upload|files\s*=|data\s*=)/i.test(code) && /https?:\/\//.test(code)) ctx.s.sends.push(text);
    }
  }
  if (isInterpreter(name) || name === "eval" || name === "source" || name === ".") {
    const words = [cmd.name, ...cmd.args].filter((w): w is Word => w?.type === "Word");
    for (const w of words) {
      for (const part of w.parts ?? []) {
        if (part.type === "ProcessSubstitution" || part.type === "CommandExpansion" || part.type === "DoubleQuoted") {
          const names = innerCommandNames(part);
          if (names.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is executed directly.", text);
          else if (names.some((n) => DECODERS.has(n))) finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and executed, hiding what runs.", text);
        }
      }
    }
  }
  // DNS lookups whose names are computed from files or the environment smuggle data out.
  if (/^(dig|nslookup|host|ping|drill|curl|wget)$/.test(name)) {
    const words = cmd.args.filter((w): w is Word => w.type === "Word");
    if (words.some((w) => hasDynamicPart(w) && /\$\(|`|\$\{?[A-Za-z_]/.test(w.text) && (w.parts ?? []).some((p) => p.type === "CommandExpansion" || p.type === "SimpleExpansion" || p.type === "ParameterExpansion" || p.type === "DoubleQuoted"))) {
      ctx.s.sends.push(text);
    }
  }
  classifyCommand(ctx, real, text);
}

/** Pipelines: what feeds an interpreter's stdin decides how dangerous it is. */
function analysePipeline(ctx: Ctx, stages: readonly SyntaxNode[], source: string): void {
  const stageNames = stages.map((s) => (s.type === "Command" ? baseName(unwrap(commandArgv(s).argv)[0] ?? "") : ""));
  for (const s of stages.slice(1)) if (s.type === "Command") ctx.s.piped.add(s);
  for (let i = 1; i < stages.length; i++) {
    const stage = stages[i];
    if (stage?.type !== "Command") continue;
    const real = unwrap(commandArgv(stage).argv);
    const name = baseName(real[0] ?? "");
    const text = source.slice(stage.pos, stage.end);
    const upstream = stages.slice(0, i).flatMap((s) => innerCommandNames(s));
    // env | grep token, printenv | curl …
    if (upstream.some((n) => n === "env" || n === "printenv" || n === "set" || n === "export")) {
      if (name === "grep" || name === "egrep" || name === "rg" || name === "awk" || name === "sed") {
        if (SECRET_WORDS.test(real.slice(1).join(" "))) finding(ctx, "cred.env-dump", "block", "Environment variables holding secrets are filtered out of the environment.", source.slice(stages[0]?.pos ?? 0, stage.end));
      }
    }
    // echo ~ | xargs rm -rf: the arguments come from upstream.
    if (baseName(commandArgv(stage).argv[0] ?? "") === "xargs") {
      const prev = stages[i - 1];
      const prevArgv = prev?.type === "Command" ? unwrap(commandArgv(prev).argv) : [];
      if (prevArgv[0] === "echo" || prevArgv[0] === "printf") analyseArgv(ctx, [...real, ...prevArgv.slice(1)], stage, text);
      else if (["rm", "shred", "unlink", "chmod", "chown", "mv", "dd", "truncate"].includes(name)) {
        finding(ctx, "fs.dynamic-target", "escalate", `${name} runs on file names produced by another command.`, text);
      }
    }
    if (!isInterpreter(name)) continue;
    const inlineGiven = inlineCode(name, real.slice(1)) !== undefined || real.slice(1).some((a) => a === "-c");
    const scriptArg = real.slice(1).some((a) => !a.startsWith("-"));
    if (inlineGiven || (scriptArg && !SHELLS.has(name))) continue;
    if (scriptArg && SHELLS.has(name) && !real.slice(1).some((a) => a === "-s" || a === "-")) continue;
    if (upstream.some((n) => FETCHERS.has(n))) finding(ctx, "shell.remote-code", "block", "Code downloaded from the network is piped into an interpreter.", source.slice(stages[0]?.pos ?? 0, stage.end));
    else if (upstream.some((n) => DECODERS.has(n) && n !== "printf") || (upstream.includes("printf") && /\\x[0-9a-f]{2}|\\[0-7]{3}/i.test(source))) {
      finding(ctx, "shell.obfuscated-exec", "block", "Encoded text is decoded and piped into an interpreter, hiding what runs.", source.slice(stages[0]?.pos ?? 0, stage.end));
    } else if (SHELLS.has(name)) {
      if (real.slice(1).some((a) => /^-[a-zA-Z]*i/.test(a)) && stageNames.some((n) => n === "nc" || n === "ncat" || n === "netcat" || n === "telnet" || n === "socat" || n === "openssl")) {
        finding(ctx, "shell.reverse-shell", "block", "A shell's input and output are wired to a network connection.", source.slice(stages[0]?.pos ?? 0, stages.at(-1)?.end ?? stage.end));
      }
      const prev = stages[i - 1];
      const heredoc = prev?.type === "Command" ? prev.redirects.find((r) => r.type === "HereDoc") : undefined;
      const prevArgv = prev?.type === "Command" ? unwrap(commandArgv(prev).argv) : [];
      if (heredoc?.type === "HereDoc") analyseSource(ctx, heredoc.body.text);
      else if (prevArgv[0] === "echo" || prevArgv[0] === "printf") analyseSource(ctx, prevArgv.slice(1).join(" "));
      else if (prevArgv[0] === "cat" && prevArgv.length > 1 && i === 1 && !ctx.s.fifo) {
        finding(ctx, "shell.pipe-to-shell", "escalate", "A file's contents are executed by a shell.", text);
      } else if (!ctx.s.fifo) finding(ctx, "shell.pipe-to-shell", "escalate", "Text produced by another command is executed by a shell.", text);
      else finding(ctx, "shell.reverse-shell", "block", "A named pipe feeds a shell, the usual wiring of a reverse shell.", text);
    } else {
      finding(ctx, "shell.pipe-to-shell", "escalate", `Text produced by another command is executed by ${name}.`, text);
    }
  }
}

/** Only words with `$`, backticks or `<(`/`>(` can hold nested commands: skip the rest without building their parts. */
function mayNest(node: SyntaxNode): boolean {
  return node.type !== "Word" || /[`$<>]/.test(node.text);
}

function walk(ctx: Ctx, node: SyntaxNode, source: string): void {
  if (--ctx.s.budget.nodes < 0 || !mayNest(node)) return;
  if (node.type === "Pipeline") analysePipeline(ctx, node.commands, source);
  if (node.type === "Function") {
    const fname = node.name.value;
    const bodyText = source.slice(node.body.pos, node.body.end);
    ctx.s.functions.set(fname, bodyText.replace(/^\{\s*|\s*\}$/g, ""));
    if (innerCommandNames(node.body).includes(fname)) finding(ctx, "shell.fork-bomb", "block", "A function that spawns itself recursively (fork bomb).", source.slice(node.pos, node.end));
    return; // the body is analysed where the function is called
  }
  if (node.type === "Command") {
    analyseCommand(ctx, node, source);
    const heredoc = node.redirects.find((r) => r.type === "HereDoc");
    const real = unwrap(commandArgv(node).argv);
    const name = baseName(real[0] ?? "");
    if (heredoc?.type === "HereDoc") {
      if (SHELLS.has(name) && !real.slice(1).some((a) => /^-[a-zA-Z]*c/.test(a))) analyseSource(ctx, heredoc.body.text);
      else if (isInterpreter(name) && real.slice(1).every((a) => a === "-" || a.startsWith("-"))) {
        const inline = analyseInlineCode(heredoc.body.text);
        for (const f of inline.findings) finding(ctx, f.ruleId, f.action, f.reason, source.slice(node.pos, node.end));
        for (const snippet of inline.shellSnippets.slice(0, 8)) analyseSource(ctx, snippet);
      }
    }
  }
  forEachChild(node, (child) => walk(ctx, child, source));
}

function analyseSource(ctx: Ctx, source: string): void {
  if (ctx.depth >= MAX_DEPTH) {
    finding(ctx, "shell.too-deep", "escalate", `Shell code is nested more than ${MAX_DEPTH} levels deep.`);
    return;
  }
  const script: ParsedScript = parse(source);
  const errors = script.errors ?? [];
  if (errors.length > 0 && ctx.s.out.ok) {
    ctx.s.out.ok = false;
    ctx.s.out.error = errors.map((e) => `${e.message} at ${e.pos}`).join("; ");
    finding(ctx, "shell.unparsable", "escalate", "The shell command does not parse, so what it does cannot be checked.", source);
  }
  walk({ s: ctx.s, depth: ctx.depth + 1 }, script, source);
}

/** Script-wide combinations: something sensitive read and something sent out in the same command line. */
function crossCommandRules(ctx: Ctx, source: string): void {
  const s = ctx.s;
  if (s.sends.length === 0) return;
  const sensitive = s.out.paths.find((p) => (p.access === "read" || p.access === "unknown") && (credentialKind(p.lexical, s.env.home) !== undefined || p.lexical === s.env.home || (p.broad && p.lexical === s.env.home)));
  if (sensitive) {
    finding(ctx, "exfil.network", "block", `Credentials or private files (${sensitive.raw}) are sent over the network.`, source);
  } else if (s.envDump) {
    finding(ctx, "exfil.network", "block", "The environment, which holds secrets, is sent over the network.", source);
  }
}

/** Analyse a shell command string. Pure: no I/O, no clock. */
export function analyseShell(source: string, env: PathEnv): ShellAnalysis {
  const out: ShellAnalysis = { ok: true, commands: [], paths: [], findings: [] };
  const ctx: Ctx = {
    s: { env, out, functions: new Map(), downloads: new Set(), sends: [], envDump: false, fifo: false, piped: new Set(), budget: { nodes: 20_000 } },
    depth: 0,
  };
  try {
    analyseSource(ctx, source);
    crossCommandRules(ctx, source);
    if (ctx.s.envDump && !out.findings.some((f) => f.ruleId.startsWith("cred.") || f.ruleId.startsWith("exfil."))) {
      finding(ctx, "cred.env-dump", "escalate", "The whole environment, including any secrets in it, is printed.", source);
    }
    if (ctx.s.budget.nodes < 0) finding(ctx, "shell.too-large", "escalate", "The command is too large to analyse completely.");
  } catch (err) {
    out.ok = false;
    out.error = `analyser failure: ${(err as Error).message}`;
    out.findings.push({ ruleId: "shell.unparsable", action: "escalate", reason: "The shell command could not be analysed, so what it does cannot be checked." });
  }
  return out;
}
