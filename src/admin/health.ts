// Health: one entry per dependency, the same report for GET /dependencies/health, /health and the CLI.
// It names states and fixes only: no secrets, no conversation content.
import type { AuditStatus } from "../audit/log.ts";
import { readKillSwitch } from "../state/killswitch.ts";
import type { StateStore } from "../state/store.ts";
import type { AdminBotStatus } from "./types.ts";
import { type CredentialAge, rotationWarnings } from "../credentials/rotation.ts";

export type Dependency = { name: string; required: boolean; ok: boolean; detail: string };

export type HealthReport = {
  ok: boolean;
  checkedAt: string;
  instance: string;
  policyHash: string;
  killSwitch: { engaged: boolean | null; at?: string | undefined; by?: string | undefined; reason?: string | undefined };
  audit?: { records: number; lastCheckpoint?: { seq: number; hash: string; time: string } | undefined } | undefined;
  instances: string[];
  dependencies: Dependency[];
  /** Things an operator should fix that do not stop anything (overdue credential rotation); present when credentials are configured. */
  warnings?: string[];
};

export type HealthSources = {
  instanceId: string;
  policyHash: string;
  store: StateStore;
  audit?: (() => AuditStatus) | undefined;
  bots?: (() => readonly (AdminBotStatus & { standbyFor?: string | undefined })[]) | undefined;
  /** Bots configured but not observable from here (the CLI): reported as not checked. */
  botsElsewhere?: readonly string[] | undefined;
  instances?: (() => Promise<string[]>) | undefined;
  /** Configured scoped credentials (names and rotation dates only): overdue ones become warnings. */
  credentials?: readonly CredentialAge[] | undefined;
  now?: () => Date;
};

export async function collectHealth(src: HealthSources): Promise<HealthReport> {
  const deps: Dependency[] = [];
  let killSwitch: HealthReport["killSwitch"] = { engaged: null };
  try {
    await src.store.ping();
    const ks = await readKillSwitch(src.store);
    killSwitch = { engaged: ks.engaged, ...(ks.at ? { at: ks.at, by: ks.by } : {}), ...(ks.reason ? { reason: ks.reason } : {}) };
    deps.push({ name: "state-store", required: true, ok: true, detail: `${src.store.kind} ${src.store.location}` });
  } catch (err) {
    deps.push({
      name: "state-store",
      required: true,
      ok: false,
      detail: `${src.store.kind} ${src.store.location}: ${(err as Error).message}; every tool call is blocked until it answers (check the file's permissions / that redis-server is running)`,
    });
  }
  deps.push({
    name: "kill-switch",
    required: true,
    ok: killSwitch.engaged !== null,
    detail: killSwitch.engaged === null ? "unknown (store unreadable): calls are blocked" : killSwitch.engaged ? `ENGAGED since ${killSwitch.at} by ${killSwitch.by}` : "off",
  });
  let audit: HealthReport["audit"];
  if (src.audit) {
    const a = src.audit();
    audit = { records: a.records, ...(a.lastCheckpoint ? { lastCheckpoint: a.lastCheckpoint } : {}) };
    deps.push({
      name: "audit-log",
      required: true,
      ok: a.ok,
      detail: a.ok ? `${a.dir} writable, ${a.records} records this run${a.lastCheckpoint ? `, last checkpoint #${a.lastCheckpoint.seq} at ${a.lastCheckpoint.time}` : ""}` : `${a.dir}: ${a.error ?? "not writable"}; high-stakes calls are blocked (fix the directory's permissions or free disk space)`,
    });
  } else {
    deps.push({ name: "audit-log", required: false, ok: true, detail: "auditing is off (audit.enabled false)" });
  }
  for (const bot of src.bots?.() ?? []) {
    if (bot.standbyFor !== undefined) {
      deps.push({ name: `admin-bot-${bot.platform}`, required: false, ok: true, detail: `standby: instance ${bot.standbyFor} runs this bot's poller` });
      continue;
    }
    deps.push({
      name: `admin-bot-${bot.platform}`,
      required: true,
      ok: bot.connected,
      detail: bot.connected ? "connected" : bot.error ?? "not connected yet",
    });
  }
  for (const platform of src.botsElsewhere ?? []) {
    deps.push({ name: `admin-bot-${platform}`, required: false, ok: true, detail: "runs inside the gateway; see GET /dependencies/health there" });
  }
  let warnings: string[] | undefined;
  if (src.credentials !== undefined && src.credentials.length > 0) {
    warnings = rotationWarnings(src.credentials, src.now?.() ?? new Date());
    const dated = src.credentials.filter((c) => c.maxAgeDays !== undefined).length;
    deps.push({
      name: "credential-rotation",
      required: false,
      ok: warnings.length === 0,
      detail: warnings.length === 0 ? `${dated} of ${src.credentials.length} credentials declare a maximum age; none is overdue` : `${warnings.length} credential${warnings.length === 1 ? "" : "s"} overdue or undated (see warnings)`,
    });
  }
  let instances = [src.instanceId];
  try {
    if (src.instances) instances = await src.instances();
  } catch {
    // The store entry already reports the failure.
  }
  return {
    ok: deps.every((d) => d.ok || !d.required),
    checkedAt: (src.now?.() ?? new Date()).toISOString(),
    instance: src.instanceId,
    policyHash: src.policyHash,
    killSwitch,
    ...(audit ? { audit } : {}),
    instances,
    dependencies: deps,
    ...(warnings !== undefined ? { warnings } : {}),
  };
}

export function formatHealth(h: HealthReport): string {
  const lines = [`Health: ${h.ok ? "ok" : "DEGRADED"} (${h.checkedAt}, instance ${h.instance})`];
  for (const d of h.dependencies) lines.push(`${d.ok ? "ok  " : d.required ? "DOWN" : "WARN"} ${d.name}${d.required ? "" : " (optional)"}: ${d.detail}`);
  for (const w of h.warnings ?? []) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
