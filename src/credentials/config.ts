// Scoped credentials at load: config problems, environment findings (missing, exported by the gateway), values, compiled scopes.
import type { ConfigProblem } from "../config/problems.ts";
import type { Config, CredentialConfig } from "../config/schema.ts";
import { compileToolPatterns } from "../policy/tools.ts";
import { isOpenClawBlockedEnvName } from "./openclaw-env-policy.ts";
import { type CredentialScope, ENV_TOOL } from "./scope.ts";

/** Programs that run whatever they are given: a credential scoped to one of them is scoped to everything. */
const RUNS_ANYTHING = new Set([
  "sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "mksh", "busybox", "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php",
  "lua", "deno", "bun", "osascript", "awk", "gawk", "eval", "source", "env", "printenv", "sudo", "doas", "su", "runuser", "xargs", "npx", "pnpx",
  "bunx", "watch", "strace", "ltrace", "gdb", "script", "timeout", "nice", "nohup", "exec", "command", "time", "make", "find",
]);

function isCalendarDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Problems with the credentials list itself; `today` (YYYY-MM-DD, UTC) judges rotatedAt. */
export function credentialProblems(config: Pick<Config, "credentials">, today: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.credentials.forEach((c, i) => {
    const at = `credentials.${i}`;
    const prior = seen.get(c.name);
    if (prior !== undefined) {
      problems.push({ path: `${at}.name`, problem: `${c.name} is already configured at credentials.${prior}`, fix: "configure each credential once (one entry may list several commands)" });
    } else seen.set(c.name, i);
    if (c.commands === undefined && c.tools === undefined && c.hosts === undefined) {
      problems.push({ path: at, problem: `${c.name} has no scope (no commands, tools or hosts)`, fix: `list the commands, tools or hosts that may use ${c.name}; a credential every call receives is not scoped` });
    }
    if (isOpenClawBlockedEnvName(c.name)) {
      problems.push({
        path: `${at}.name`,
        problem: `OpenClaw 2026.9.6 never lets a plugin or a tool call set ${c.name} in an exec environment (its host env policy), so it cannot be injected`,
        fix:
          c.name === "GH_TOKEN" || c.name === "GITHUB_TOKEN"
            ? "give gh its token through OpenClaw's managed GitHub identity (tools.github) instead"
            : "use a name the command also reads, or OpenClaw's secret store with --allow-host (its secret egress proxy)",
      });
    }
    c.commands?.forEach((name, k) => {
      if (RUNS_ANYTHING.has(name)) {
        problems.push({ path: `${at}.commands.${k}`, problem: `${name} runs whatever it is given, so a credential scoped to it is not scoped`, fix: `name the program that needs ${c.name} (gh, git, psql), never a shell, interpreter or wrapper` });
      }
    });
    if (c.args !== undefined) {
      if (c.commands === undefined) problems.push({ path: `${at}.args`, problem: "needs commands", fix: "list the commands whose arguments args is tested against" });
      try {
        new RegExp(c.args);
      } catch (err) {
        problems.push({ path: `${at}.args`, problem: `is not a valid regular expression (${(err as Error).message})`, fix: "fix the expression (JavaScript RegExp syntax)" });
      }
    }
    if (c.tools !== undefined && !compileToolPatterns(c.tools)(ENV_TOOL)) {
      problems.push({ path: `${at}.tools`, problem: "names no tool that takes an environment (only exec does in OpenClaw 2026.9.6)", fix: "add exec, or remove tools" });
    }
    if (c.rotatedAt !== undefined) {
      if (!isCalendarDate(c.rotatedAt)) {
        problems.push({ path: `${at}.rotatedAt`, problem: `${c.rotatedAt} is not a calendar date`, fix: "write the day the credential was last rotated as YYYY-MM-DD" });
      } else if (c.rotatedAt > today) {
        problems.push({ path: `${at}.rotatedAt`, problem: `${c.rotatedAt} is in the future (today is ${today})`, fix: "write the day the value was actually rotated" });
      }
    }
  });
  return problems;
}

export type CredentialEnv = {
  /** Name -> value: the coordinator's envFile entry, else the gateway's environment. */
  values: Map<string, string>;
  warnings: string[];
  /** Every value (8+ characters) found for a credential, in the file or the environment: for redaction. */
  secretValues: string[];
};

/**
 * Where each credential's value comes from, and what is wrong with that. `exportedFile`: the envFile is OpenClaw's
 * own .env, which the gateway loads into its environment (so every child process inherits its entries).
 */
export function credentialEnv(
  credentials: readonly CredentialConfig[],
  sources: { fileEnv: Readonly<Record<string, string>>; processEnv: Readonly<Record<string, string | undefined>>; envFile?: string | undefined; exportedFile?: boolean },
): CredentialEnv {
  const values = new Map<string, string>();
  const warnings: string[] = [];
  const secretValues: string[] = [];
  const where = sources.envFile ?? "the coordinator's envFile";
  credentials.forEach((c, i) => {
    const at = `credentials.${i}`;
    const fromFile = Object.hasOwn(sources.fileEnv, c.name) ? sources.fileEnv[c.name] : undefined;
    const fromProcess = sources.processEnv[c.name];
    for (const v of [fromFile, fromProcess]) if (v !== undefined && v.length >= 8 && !secretValues.includes(v)) secretValues.push(v);
    const value = fromFile !== undefined && fromFile !== "" ? fromFile : fromProcess;
    if (value === undefined || value === "") {
      warnings.push(`${at}.name: ${c.name} is not set in ${where} nor in the gateway's environment, so calls in its scope run without it; add ${c.name}=… to ${where} (mode 600)`);
    } else values.set(c.name, value);
    if (fromProcess !== undefined || (sources.exportedFile === true && fromFile !== undefined)) {
      warnings.push(
        `${at}.name: ${c.name} is also in the gateway's own environment (OpenClaw's .env or its service environment), so every process the gateway starts inherits it; the coordinator blanks it for exec calls outside its scope, but other children (sandboxes, node hosts, MCP servers) still get it; remove it there and keep it only in the coordinator's envFile (a file of its own, not OpenClaw's .env)`,
      );
    }
    if (c.tools !== undefined && c.commands === undefined && c.hosts === undefined) {
      warnings.push(`${at}: ${c.name} is scoped by tools only, so every exec receives it; add commands (and args) to narrow it`);
    }
  });
  return { values, warnings, secretValues };
}

/** Compile the scopes once at load (the config is already valid). */
export function compileCredentialScopes(credentials: readonly CredentialConfig[]): CredentialScope[] {
  return credentials.map((c) => ({
    name: c.name,
    commands: c.commands ? new Set(c.commands) : undefined,
    args: c.args !== undefined ? new RegExp(c.args) : undefined,
    tools: c.tools ? compileToolPatterns(c.tools) : undefined,
    hosts: c.hosts,
  }));
}
