// Per-tool argument analysis: which paths a call touches, shell findings, and its string values.
import { absolutePath, lexicalPath as lexical } from "./paths.ts";
import { findSecretShape, ownsSecret, urlHost } from "./secrets.ts";
import { analyseShell, type ShellAnalysis } from "./shell.ts";
import { cleanUnicode } from "./unicode.ts";
import type { Finding, PathAccess, PathEnv, PathRef } from "./types.ts";

export type CallAnalysis = {
  paths: PathRef[];
  findings: Finding[];
  /** Present for shell tools. */
  shell?: ShellAnalysis;
  /** The tool carries data off this machine (message, fetch, browser, send…). */
  sends: boolean;
  /** The call's own working directory (workdir/cwd argument), lexically resolved. */
  workdir?: string;
  /** Every string value in the arguments, NFKC-normalised (bounded), for operator patterns. */
  strings: string[];
};

const PATH_KEYS = new Set(["path", "file", "filePath", "file_path", "filename", "target", "source", "destination", "dest", "dir", "directory", "cwd", "workdir", "paths", "files"]);
const MAX_STRINGS = 200;
/** Set by collectStrings when arguments were too many or too long to inspect whole (analysis is synchronous). */
let truncated = false;
/** Tools that carry text off the machine. */
const SENDERS = /(^|_)(message|send|post|fetch|browser|navigate|email|mail|upload|share|webhook|tweet|publish|reply)(_|$)|^web_|^sessions_send$|^conversations_(send|turn)$/;
/** Tools that store work to run later. */
const SCHEDULERS = /^(cron|automations|heartbeat_respond)$|schedule|reminder/;
const MAX_STRING_CHARS = 65_536;

function ref(raw: string, access: PathAccess, via: string, env: PathEnv): PathRef {
  return { raw, absolute: absolutePath(raw, env), lexical: lexical(raw, env), access, broad: /[*?]/.test(raw), via };
}

export function collectStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length >= MAX_STRINGS || depth > 8) {
    truncated = true;
    return out;
  }
  if (typeof value === "string" && value.length > MAX_STRING_CHARS) truncated = true;
  if (typeof value === "string") out.push(cleanUnicode(value.slice(0, MAX_STRING_CHARS)).text);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, depth + 1);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) collectStrings(v, out, depth + 1);
  return out;
}

function str(params: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = params[k];
    if (typeof v === "string" && v.length > 0) return v;
  }
  return undefined;
}

/** Text the process tool types into a running program (write, send-keys, paste): it may be a shell, so it is analysed as one. */
export function processInput(params: Record<string, unknown>): string | undefined {
  const action = typeof params.action === "string" ? params.action : "";
  if (!/^(write|send-keys|paste|submit|type|input)$/.test(action)) return undefined;
  const parts: string[] = [];
  for (const key of ["data", "text", "literal", "input"]) {
    const v = params[key];
    if (typeof v === "string") parts.push(v);
  }
  if (Array.isArray(params.hex)) {
    const bytes = params.hex.filter((h): h is string => typeof h === "string" && /^[0-9a-fA-F]{2}$/.test(h)).map((h) => parseInt(h, 16));
    parts.push(Buffer.from(bytes).toString("utf8"));
  }
  if (Array.isArray(params.keys)) {
    const named: Record<string, string> = { Enter: "\n", Return: "\n", Space: " ", Tab: "\t", BSpace: "", Escape: "" };
    parts.push(params.keys.map((k) => (typeof k !== "string" ? "" : Object.hasOwn(named, k) ? (named[k] as string) : /^(C|M|S)-.$|^(Up|Down|Left|Right|Home|End|PageUp|PageDown|F\d+)$/.test(k) ? "" : k)).join(""));
  }
  const text = parts.join("");
  return text.trim() === "" ? undefined : text;
}

/** Files named in an apply_patch envelope. */
function patchPaths(patch: string): { path: string; access: PathAccess }[] {
  const out: { path: string; access: PathAccess }[] = [];
  for (const m of patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$|^(?:\+\+\+|---) (?:[ab]\/)?(\S+)/gm)) {
    if (m[1] && m[2]) out.push({ path: m[2].trim(), access: m[1] === "Delete" ? "delete" : "write" });
    else if (m[3]) out.push({ path: m[3].trim(), access: "write" });
    else if (m[4] && m[4] !== "/dev/null") out.push({ path: m[4], access: "write" });
  }
  return out;
}

export type AnalyseOptions = { isShellTool: (tool: string) => boolean; env: PathEnv; derivedPaths?: readonly string[] };

/** Analyse one call's arguments. Pure: no I/O. */
export function analyseCall(tool: string, params: Record<string, unknown>, options: AnalyseOptions): CallAnalysis {
  const cwdParam = str(params, "workdir", "cwd");
  const env: PathEnv = cwdParam ? { home: options.env.home, cwd: lexical(cwdParam, options.env) } : options.env;
  truncated = false;
  const out: CallAnalysis = { paths: [], findings: [], sends: SENDERS.test(tool.toLowerCase()), strings: collectStrings(params) };
  if (truncated && out.sends) {
    out.findings.push({ ruleId: "input.too-large", action: "escalate", reason: "The outgoing arguments are too many or too long to check for secrets completely." });
  }
  if (cwdParam) out.workdir = env.cwd;
  const name = tool.toLowerCase();
  const command = str(params, "command", "cmd", "script") ?? (name === "process" ? processInput(params) : undefined);
  if (options.isShellTool(name) && command !== undefined) {
    const clean = cleanUnicode(command);
    if (clean.suspicious.length > 0) {
      out.findings.push({ ruleId: "unicode.invisible", action: "escalate", reason: `The command hides invisible or bidi-control characters (${clean.suspicious.join(", ")}).`, evidence: clean.text.slice(0, 300) });
    }
    out.shell = analyseShell(clean.text, env);
    out.paths.push(...out.shell.paths);
    out.findings.push(...out.shell.findings);
  } else {
    // Code handed to the agent for later (a cron job's prompt, an automation) is analysed as shell too.
    if (SCHEDULERS.test(name)) {
      for (const text of out.strings) {
        for (const m of text.matchAll(/`([^`]{3,2000})`|\$\(([^)]{3,2000})\)/g)) {
          const snippet = analyseShell(cleanUnicode(m[1] ?? m[2] ?? "").text, env);
          for (const f of snippet.findings) if (!out.findings.some((x) => x.ruleId === f.ruleId)) out.findings.push(f);
          out.paths.push(...snippet.paths);
        }
      }
    }
    if (SENDERS.test(name)) {
      // A token sent to its own service (a Telegram token to api.telegram.org) is how the token is used, not a leak.
      const hosts = out.strings.map(urlHost).filter((h): h is string => h !== undefined);
      const leaked = out.strings.find((t) => {
        const kind = findSecretShape(t);
        return kind !== undefined && !(hosts.length > 0 && hosts.every((h) => ownsSecret(h, kind)));
      });
      if (leaked !== undefined) {
        out.findings.push({ ruleId: "exfil.secret-out", action: "block", reason: `The call would send a credential (${findSecretShape(leaked)}) out of this machine.`, evidence: `${name} ${leaked.slice(0, 120)}` });
      }
    }
  }
  switch (name) {
    case "read":
    case "memory_get":
    case "view_image":
    case "pdf": {
      const p = str(params, "path", "file_path", "filePath", "file");
      if (p) out.paths.push(ref(p, "read", `${name}.path`, env));
      break;
    }
    case "write":
    case "edit": {
      const p = str(params, "path", "file_path", "filePath", "file");
      if (p) out.paths.push(ref(p, "write", `${name}.path`, env));
      break;
    }
    case "apply_patch": {
      const patch = str(params, "patch", "input", "diff");
      if (patch) for (const p of patchPaths(patch)) out.paths.push(ref(p.path, p.access, "apply_patch", env));
      break;
    }
    default:
      for (const [k, v] of Object.entries(params)) {
        if (!PATH_KEYS.has(k) || k === "workdir" || k === "cwd") continue;
        for (const s of Array.isArray(v) ? v : [v]) if (typeof s === "string" && s.length > 0) out.paths.push(ref(s, "unknown", `${name}.${k}`, env));
      }
  }
  for (const p of options.derivedPaths ?? []) {
    if (!out.paths.some((r) => r.raw === p)) out.paths.push(ref(p, "write", `${name}.derivedPaths`, env));
  }
  return out;
}
