// `otheru-coordinator check`: options -> checklist -> text or JSON; exit 0 when nothing fails, 1 otherwise.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type CheckOptions, formatReport, runChecks } from "./check.ts";

export type CheckArgs = { deployment?: string | undefined; "openclaw-config"?: string | undefined; "env-file"?: string | undefined; live?: boolean | undefined; json?: boolean | undefined; port?: string[] | undefined };

/** Thrown for bad arguments; the CLI turns it into exit 2. */
export class CheckUsageError extends Error {
  override name = "UsageError";
}

export function checkOptions(a: CheckArgs, env: NodeJS.ProcessEnv): CheckOptions {
  if (a.deployment !== undefined && !(existsSync(a.deployment) && statSync(a.deployment).isDirectory())) {
    throw new CheckUsageError(`--deployment ${resolve(a.deployment)}: no such directory; give the folder holding docker-compose.yml (e.g. manifests/)`);
  }
  if (a["openclaw-config"] !== undefined && !existsSync(a["openclaw-config"])) {
    throw new CheckUsageError(`--openclaw-config ${resolve(a["openclaw-config"])}: no such file; give the openclaw.json the gateway runs with`);
  }
  const ports = (a.port ?? []).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new CheckUsageError(`--port ${p}: give a port number (1-65535)`);
    return n;
  });
  if (ports.length > 0 && a.live !== true) throw new CheckUsageError("--port only applies with --live");
  return { deployment: a.deployment, openclawConfig: a["openclaw-config"], envFile: a["env-file"], env, live: a.live === true, ports };
}

export function runCheckCommand(a: CheckArgs, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number {
  const report = runChecks(checkOptions(a, env));
  out.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}

export const CHECK_OPTIONS = {
  deployment: { type: "string" },
  "openclaw-config": { type: "string" },
  "env-file": { type: "string" },
  live: { type: "boolean" },
  json: { type: "boolean" },
  port: { type: "string", multiple: true },
} as const;
