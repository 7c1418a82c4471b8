// Which scoped credentials one exec command may receive. Pure: the command text and the compiled scopes in, names out.
import { parse } from "unbash";
import type { Word } from "unbash";
import { analyseShell } from "../patterns/shell.ts";
import { urlHost } from "../patterns/secrets.ts";
import type { PathEnv } from "../patterns/types.ts";
import { cleanUnicode } from "../patterns/unicode.ts";
import type { ToolMatcher } from "../policy/tools.ts";

/** One configured credential, compiled once at load. Every predicate given must hold. */
export type CredentialScope = {
  readonly name: string;
  readonly commands?: ReadonlySet<string> | undefined;
  readonly args?: RegExp | undefined;
  readonly tools?: ToolMatcher | undefined;
  /** Host names, or `*.example.com` for every subdomain. */
  readonly hosts?: readonly string[] | undefined;
};

/** The one command an exec runs, as the shell would run it: effective name, its arguments, the wrappers in front. */
export type SingleCommand = { readonly name: string; readonly args: readonly string[] };

/** The only tool whose calls take an env (OpenClaw 2026.9.6: exec's `env` parameter). */
export const ENV_TOOL = "exec";

/**
 * Wrappers that run the named command and nothing else, with the options each may carry. Any other wrapper
 * (npx fetches code, xargs and watch build commands from text, strace prints the environment, chroot runs
 * another filesystem's binary) or option means no credential.
 */
const WRAPPERS: Readonly<Record<string, { flags: readonly string[]; valued: readonly string[]; operand?: RegExp; numericFlag?: boolean }>> = {
  env: { flags: ["-i", "--ignore-environment"], valued: ["-u", "--unset"] },
  sudo: { flags: ["-n", "-H", "--non-interactive"], valued: ["-u", "-g", "--user", "--group"] },
  doas: { flags: ["-n"], valued: ["-u"] },
  timeout: { flags: ["--preserve-status", "--foreground", "-v", "--verbose"], valued: ["-s", "-k", "--signal", "--kill-after"], operand: /^[0-9]+(\.[0-9]+)?[smhd]?$/ },
  nice: { flags: [], valued: ["-n", "--adjustment"], numericFlag: true },
  ionice: { flags: [], valued: ["-c", "-n", "--class", "--classdata"] },
  nohup: { flags: [], valued: [] },
  time: { flags: ["-p"], valued: [] },
  command: { flags: ["-p"], valued: [] },
  exec: { flags: [], valued: [] },
  stdbuf: { flags: [], valued: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  setsid: { flags: ["-w", "-f", "--wait", "--fork"], valued: [] },
};

/** Where a command given by absolute path may live: package-managed directories the agent cannot write to. */
const SYSTEM_BIN_DIRS = ["/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/sbin/", "/sbin/", "/usr/local/sbin/", "/opt/homebrew/bin/", "/snap/bin/"];
const COMMAND_NAME = /^[A-Za-z0-9_.+-]+$/;
/** Command or process substitution anywhere (also inside quotes or a heredoc): a second command would share the environment. */
const NESTED = /`|\$\(|<\(|>\(/;

function isSystemPath(word: string): boolean {
  return SYSTEM_BIN_DIRS.some((d) => word.startsWith(d) && !word.slice(d.length).includes("/")) && !word.includes("/../") && !word.includes("/./");
}

/** Skip the wrapper at words[i] with its options; the index of the next word, or -1 when the wrapper is not one we trust. */
function skipWrapper(words: readonly string[], i: number): number {
  const spec = WRAPPERS[words[i] as string];
  if (!spec) return -1;
  let k = i + 1;
  for (; k < words.length; k++) {
    const w = words[k] as string;
    if (w === "--") return k + 1;
    if (!w.startsWith("-") || w === "-") break;
    if (spec.flags.includes(w)) continue;
    if (spec.numericFlag && /^-[0-9]+$/.test(w)) continue;
    if (spec.valued.includes(w)) {
      if (k + 1 >= words.length) return -1;
      k++;
      continue;
    }
    const eq = w.indexOf("=");
    if (w.startsWith("--") && eq > 0 && spec.valued.includes(w.slice(0, eq))) continue;
    // Short option with its value attached (-oL, -u0).
    if (!w.startsWith("--") && w.length > 2 && spec.valued.includes(w.slice(0, 2))) continue;
    return -1;
  }
  if (spec.operand) {
    if (k >= words.length || !spec.operand.test(words[k] as string)) return -1;
    k++;
  }
  return k;
}

/**
 * The single simple command `source` runs, or undefined when it runs anything else too (pipelines, lists, subshells,
 * substitutions, prefix assignments, untrusted wrappers) or names its program by a path the agent could have written.
 */
export function singleCommand(source: string): SingleCommand | undefined {
  if (NESTED.test(source)) return undefined;
  const script = parse(source);
  if ((script.errors ?? []).length > 0 || script.commands.length !== 1) return undefined;
  const statement = script.commands[0];
  if (statement?.type !== "Statement" || statement.command.type !== "Command") return undefined;
  const cmd = statement.command;
  if (!cmd.name || cmd.prefix.length > 0) return undefined;
  const words: string[] = [];
  for (const part of [cmd.name, ...cmd.suffix]) {
    if (part.type === "Word") words.push((part as Word).value);
    else if (part.type !== "Redirect" && part.type !== "HereDoc" && part.type !== "HereString") return undefined;
  }
  let i = 0;
  for (let guard = 0; guard < 8 && i < words.length && Object.hasOwn(WRAPPERS, words[i] as string); guard++) {
    i = skipWrapper(words, i);
    if (i < 0) return undefined;
  }
  const word = words[i];
  if (word === undefined) return undefined;
  const name = word.includes("/") ? (isSystemPath(word) ? word.slice(word.lastIndexOf("/") + 1) : "") : word;
  if (!COMMAND_NAME.test(name) || Object.hasOwn(WRAPPERS, name)) return undefined;
  return { name, args: words.slice(i + 1) };
}

function hostAllowed(host: string, hosts: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return hosts.some((p) => (p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

/** Does the command stay within this credential's scope? `one` is the command's single simple command, if it has one. */
function covers(scope: CredentialScope, tool: string, one: SingleCommand | undefined): boolean {
  if (scope.tools && !scope.tools(tool)) return false;
  if (!scope.commands && !scope.hosts) return scope.tools !== undefined;
  if (!one) return false;
  if (scope.commands) {
    if (!scope.commands.has(one.name)) return false;
    if (scope.args && !scope.args.test(one.args.join(" "))) return false;
  }
  if (scope.hosts) {
    const urls = one.args.map(urlHost).filter((h): h is string => h !== undefined);
    // Without commands the URL is the whole scope: a command naming no destination is not in it.
    if (!scope.commands && urls.length === 0) return false;
    if (!urls.every((h) => hostAllowed(h, scope.hosts as readonly string[]))) return false;
  }
  return true;
}

/**
 * The credentials an exec call may receive: those whose scope covers the whole command. Anything uncertain
 * (not the exec tool, no command, analysis failed or found something, more than one command) gives none.
 */
export function credentialsFor(tool: string, params: unknown, scopes: readonly CredentialScope[], env: PathEnv): string[] {
  if (scopes.length === 0 || tool.toLowerCase() !== ENV_TOOL) return [];
  if (params === null || typeof params !== "object" || Array.isArray(params)) return [];
  const command = (params as Record<string, unknown>).command;
  if (typeof command !== "string" || command.trim() === "") return [];
  const clean = cleanUnicode(command);
  let one: SingleCommand | undefined;
  if (clean.suspicious.length === 0 && clean.text === command) {
    one = singleCommand(command);
    if (one) {
      // The analyser must agree: one command, the same program, nothing it would flag.
      const analysis = analyseShell(command, env);
      const only = analysis.commands[0];
      if (!analysis.ok || analysis.findings.length > 0 || analysis.commands.length !== 1 || only?.name !== one.name) one = undefined;
    }
  }
  const out: string[] = [];
  for (const scope of scopes) if (covers(scope, ENV_TOOL, one)) out.push(scope.name);
  return out;
}
