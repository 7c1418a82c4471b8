// Checks of the OpenClaw config: hooks.defaultSessionKey, the coordinator entry and its hook budget, gateway bind/auth, admin tokens, audit key, state modes.
import { existsSync, readFileSync, statSync } from "node:fs";
import { posix } from "node:path";
import { PLUGIN_ID } from "../config/load.ts";
import { type Deployment, hostPath, lineOfKey, relName, runtimeStateDir, runtimeVars } from "./deployment.ts";
import { interpolate } from "./interpolate.ts";
import { type CheckResult, type Finding, resultOf, skip } from "./types.ts";

/** OpenClaw's default before_tool_call budget, its maximum, and the margin the hook needs beyond an approval wait. */
export const DEFAULT_HOOK_BUDGET_MS = 15_000;
export const MAX_HOOK_BUDGET_MS = 600_000;
export const HOOK_MARGIN_MS = 5_000;
const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);

function at(d: Deployment, path: string[]): { file?: string; line?: number } {
  if (!d.openclaw) return {};
  const line = lineOfKey(d.openclaw.text, path);
  return { file: d.openclaw.rel, ...(line !== undefined ? { line } : {}) };
}

function noConfig(d: Deployment, id: string, fix: string): CheckResult {
  const p = d.openclawProblem ?? { severity: "fail" as const, message: "no OpenClaw config" };
  return resultOf(id, [p], "", `${fix}; point check at the config with --openclaw-config FILE`);
}

function entryOf(d: Deployment): Obj | undefined {
  return obj(obj(obj(d.openclaw?.json.plugins)?.entries)?.[PLUGIN_ID]);
}

function pluginConfig(d: Deployment): Obj | undefined {
  return obj(entryOf(d)?.config);
}

export function checkDefaultSessionKey(d: Deployment): CheckResult {
  const id = "hooks.default-session-key";
  const fix = 'set "hooks": {"defaultSessionKey": "hook:ingress"} in the OpenClaw config';
  if (!d.openclaw) return noConfig(d, id, fix);
  const hooks = obj(d.openclaw.json.hooks);
  const key = hooks?.defaultSessionKey;
  if (typeof key === "string" && key.trim() !== "") return { id, status: "pass", detail: `hooks.defaultSessionKey is "${key}" (${d.openclaw.rel})`, fix: "" };
  return resultOf(id, [{ severity: "fail", ...at(d, hooks ? ["hooks"] : []), message: "hooks.defaultSessionKey is not set: hook requests without a session key land in fresh or caller-chosen sessions" }], "", fix);
}

export function checkPluginEnabled(d: Deployment): CheckResult {
  const id = "plugin.enabled";
  const fix = `set plugins.entries["${PLUGIN_ID}"].enabled to true (and keep it out of plugins.deny, in plugins.allow when that list is used)`;
  if (!d.openclaw) return noConfig(d, id, fix);
  const plugins = obj(d.openclaw.json.plugins);
  const findings: Finding[] = [];
  const entry = entryOf(d);
  if (!entry) findings.push({ severity: "fail", ...at(d, plugins ? ["plugins"] : []), message: `plugins.entries["${PLUGIN_ID}"] is missing: the coordinator does not run` });
  else if (entry.enabled !== true) findings.push({ severity: "fail", ...at(d, ["plugins", "entries", PLUGIN_ID, "enabled"]), message: `plugins.entries["${PLUGIN_ID}"].enabled is ${entry.enabled === undefined ? "not set" : JSON.stringify(entry.enabled)}` });
  if (plugins?.enabled === false) findings.push({ severity: "fail", ...at(d, ["plugins", "enabled"]), message: "plugins.enabled is false: no plugin loads" });
  if (Array.isArray(plugins?.deny) && plugins.deny.includes(PLUGIN_ID)) findings.push({ severity: "fail", ...at(d, ["plugins", "deny"]), message: `plugins.deny lists ${PLUGIN_ID}` });
  if (Array.isArray(plugins?.allow) && plugins.allow.length > 0 && !plugins.allow.includes(PLUGIN_ID)) findings.push({ severity: "fail", ...at(d, ["plugins", "allow"]), message: `plugins.allow does not list ${PLUGIN_ID}` });
  return resultOf(id, findings, `plugins.entries["${PLUGIN_ID}"].enabled is true`, fix);
}

function num(v: unknown, vars: Record<string, string>): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v !== "") {
    const n = Number(interpolate(v, vars));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function checkHookBudget(d: Deployment): CheckResult {
  const id = "plugin.hook-budget";
  if (!d.openclaw) return noConfig(d, id, "set the hook budget");
  const vars = runtimeVars(d);
  const entry = entryOf(d);
  const rawBudget = obj(obj(entry?.hooks)?.timeouts)?.before_tool_call;
  const budget = num(rawBudget, vars) ?? DEFAULT_HOOK_BUDGET_MS;
  const timeout = num(obj(pluginConfig(d)?.approvals)?.timeoutMs, vars) ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  const needed = timeout + HOOK_MARGIN_MS;
  const where = rawBudget === undefined ? at(d, entry ? ["plugins", "entries", PLUGIN_ID] : ["plugins"]) : at(d, ["plugins", "entries", PLUGIN_ID, "hooks", "timeouts", "before_tool_call"]);
  const findings: Finding[] = [];
  const fix =
    needed > MAX_HOOK_BUDGET_MS
      ? `lower approvals.timeoutMs to at most ${MAX_HOOK_BUDGET_MS - HOOK_MARGIN_MS} and set plugins.entries["${PLUGIN_ID}"].hooks.timeouts.before_tool_call to ${MAX_HOOK_BUDGET_MS}`
      : `set plugins.entries["${PLUGIN_ID}"].hooks.timeouts.before_tool_call to at least ${needed} (approvals.timeoutMs ${timeout} + ${HOOK_MARGIN_MS} ms; OpenClaw's maximum is ${MAX_HOOK_BUDGET_MS})`;
  const shown = `before_tool_call budget ${budget} ms${rawBudget === undefined ? " (OpenClaw's default)" : ""}`;
  if (budget > MAX_HOOK_BUDGET_MS) findings.push({ severity: "fail", ...where, message: `${shown} exceeds OpenClaw's maximum of ${MAX_HOOK_BUDGET_MS} ms` });
  else if (budget < needed) findings.push({ severity: "fail", ...where, message: `${shown} is shorter than approvals.timeoutMs ${timeout} ms + ${HOOK_MARGIN_MS} ms: a call waiting for a human is cut off (and blocked) by the hook timeout` });
  return resultOf(id, findings, `${shown} covers approvals.timeoutMs ${timeout} ms + ${HOOK_MARGIN_MS} ms`, fix);
}

/** A token setting as something comparable: the resolved value when known, else the text as written. */
function tokenIdentity(v: unknown, vars: Record<string, string>): { raw: string; value: string } | undefined {
  const ref = obj(v);
  const raw = ref && ref.source === "env" && typeof ref.id === "string" ? `\${${ref.id}}` : typeof v === "string" ? v : undefined;
  if (raw === undefined || raw.trim() === "") return undefined;
  return { raw, value: interpolate(raw, vars) };
}

function channelTokens(d: Deployment, vars: Record<string, string>): { path: string[]; label: string; token: { raw: string; value: string } }[] {
  const out: { path: string[]; label: string; token: { raw: string; value: string } }[] = [];
  const channels = obj(d.openclaw?.json.channels) ?? {};
  for (const [channel, key] of [["telegram", "botToken"], ["discord", "token"], ["slack", "botToken"]] as const) {
    const c = obj(channels[channel]);
    if (!c) continue;
    const add = (o: Obj | undefined, path: string[], label: string) => {
      const t = tokenIdentity(o?.[key], vars);
      if (t) out.push({ path, label, token: t });
      const file = o?.tokenFile;
      if (typeof file === "string") {
        const hp = hostPath(d, interpolate(file, vars)).host;
        if (hp && existsSync(hp)) {
          try {
            const value = readFileSync(hp, "utf8").trim();
            if (value) out.push({ path: [...path.slice(0, -1), "tokenFile"], label: `${label.replace(/\.[^.]+$/, "")}.tokenFile`, token: { raw: `file:${hp}`, value } });
          } catch {
            // unreadable token file: nothing to compare
          }
        }
      }
    };
    add(c, ["channels", channel, key], `channels.${channel}.${key}`);
    for (const [acct, a] of Object.entries(obj(c.accounts) ?? {})) add(obj(a), ["channels", channel, "accounts", acct, key], `channels.${channel}.accounts.${acct}.${key}`);
  }
  return out;
}

export function checkAdminTokens(d: Deployment): CheckResult {
  const id = "admin.tokens-distinct";
  const fix = "give the coordinator's admin bots their own bots and tokens (ADMIN_TELEGRAM_TOKEN / ADMIN_DISCORD_TOKEN in .env), never the agent's channel bot tokens";
  if (!d.openclaw) return noConfig(d, id, fix);
  const vars = runtimeVars(d);
  const admin = obj(pluginConfig(d)?.admin);
  const admins = (["telegram", "discord"] as const).flatMap((p) => {
    const t = tokenIdentity(obj(admin?.[p])?.token, vars);
    return t ? [{ platform: p, token: t }] : [];
  });
  if (admins.length === 0) return skip(id, "no admin bot configured (admin.telegram / admin.discord)");
  const channels = channelTokens(d, vars);
  const findings: Finding[] = [];
  for (const a of admins) {
    for (const c of channels) {
      const same = a.token.raw === c.token.raw || (a.token.value !== "" && a.token.value === c.token.value);
      if (same) findings.push({ severity: "fail", ...at(d, ["plugins", "entries", PLUGIN_ID, "config", "admin", a.platform, "token"]), message: `admin.${a.platform}.token is the same token as ${c.label}` });
    }
  }
  if (admins.length === 2 && (admins[0]?.token.raw === admins[1]?.token.raw || (admins[0]?.token.value !== "" && admins[0]?.token.value === admins[1]?.token.value))) {
    findings.push({ severity: "fail", ...at(d, ["plugins", "entries", PLUGIN_ID, "config", "admin"]), message: "admin.telegram.token and admin.discord.token are the same" });
  }
  return resultOf(id, findings, `admin bot token${admins.length > 1 ? "s" : ""} (${admins.map((a) => a.platform).join(", ")}) ${admins.length > 1 ? "differ" : "differs"} from the ${channels.length} channel token${channels.length === 1 ? "" : "s"}`, fix);
}

function workspaces(d: Deployment): string[] {
  const agents = obj(d.openclaw?.json.agents);
  const list: string[] = [];
  const w = obj(agents?.defaults)?.workspace;
  list.push(typeof w === "string" ? w : posix.join(runtimeStateDir(d), "workspace"));
  for (const e of Object.values(obj(agents?.entries) ?? {})) if (typeof obj(e)?.workspace === "string") list.push(obj(e)?.workspace as string);
  if (Array.isArray(agents?.list)) for (const e of agents.list) if (typeof obj(e)?.workspace === "string") list.push(obj(e)?.workspace as string);
  return list;
}

function inside(child: string, parent: string): boolean {
  const p = parent.replace(/\/+$/, "");
  return child === p || child.startsWith(`${p}/`);
}

function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, "0");
}

export function checkSigningKey(d: Deployment): CheckResult {
  const id = "audit.signing-key";
  if (!d.openclaw) return noConfig(d, id, "configure audit.signingKey");
  const audit = obj(pluginConfig(d)?.audit);
  const vars = runtimeVars(d);
  const keyPath = at(d, ["plugins", "entries", PLUGIN_ID, "config", "audit", "signingKey"]);
  if (audit?.enabled === false) return resultOf(id, [{ severity: "fail", ...at(d, ["plugins", "entries", PLUGIN_ID, "config", "audit", "enabled"]), message: "audit.enabled is false: no audit trail is kept" }], "", "set audit.enabled to true and audit.signingKey to a key made with otheru-coordinator audit keygen");
  const raw = audit?.signingKey;
  if (typeof raw !== "string" || raw.trim() === "") {
    return resultOf(id, [{ severity: "fail", ...at(d, ["plugins", "entries", PLUGIN_ID, "config", "audit"]), message: "audit.signingKey is not set: no signed checkpoints, so truncation of the audit trail goes unnoticed" }], "", "create a key with `otheru-coordinator audit keygen FILE` (mode 600, outside the agent workspace) and set audit.signingKey to it");
  }
  const p = hostPath(d, interpolate(raw, vars));
  const findings: Finding[] = [];
  const shown = p.host === undefined ? p.runtime : relName(d.dir, p.host);
  for (const ws of workspaces(d)) {
    const w = hostPath(d, interpolate(ws, vars));
    if (inside(p.runtime, w.runtime) || (p.host !== undefined && w.host !== undefined && inside(p.host, w.host))) findings.push({ severity: "fail", ...keyPath, message: `the signing key ${p.runtime} is inside the agent workspace ${w.runtime}` });
  }
  let fix = `keep the key outside every agent workspace, mode 600: chmod 600 ${shown}`;
  if (p.host === undefined) {
    findings.push({ severity: "warn", ...keyPath, message: `the signing key ${p.runtime} is not on a bind mount of service ${d.gateway?.name}: its mode cannot be checked from the host` });
    fix = "mount the key from a host file (read-only) so its mode can be checked";
  } else if (!existsSync(p.host)) {
    findings.push({ severity: "fail", ...keyPath, message: `the signing key ${shown} does not exist` });
    fix = `create it: otheru-coordinator audit keygen ${shown} (or the deployment's setup step)`;
  } else {
    const mode = statSync(p.host).mode;
    if ((mode & 0o077) !== 0) findings.push({ severity: "fail", file: shown, message: `the signing key has mode ${modeText(mode)}` });
  }
  return resultOf(id, findings, `audit.signingKey ${shown} exists, mode 600, outside the agent workspace`, fix);
}

function nearestExisting(path: string): string | undefined {
  let p = posix.dirname(path);
  for (let i = 0; i < 64 && p !== "/"; i++) {
    if (existsSync(p)) return p;
    p = posix.dirname(p);
  }
  return existsSync(p) ? p : undefined;
}

export function checkStatePerms(d: Deployment): CheckResult {
  const id = "state.perms";
  if (!d.openclaw) return noConfig(d, id, "configure the state dir");
  const vars = runtimeVars(d);
  const cfg = pluginConfig(d);
  const ocState = runtimeStateDir(d);
  const stateRaw = typeof cfg?.stateDir === "string" ? interpolate(cfg.stateDir, vars) : posix.join(ocState, PLUGIN_ID);
  const stateDir = hostPath(d, stateRaw);
  const auditRaw = obj(cfg?.audit)?.dir;
  const auditDir = typeof auditRaw === "string" ? hostPath(d, interpolate(auditRaw, vars)) : { host: stateDir.host === undefined ? undefined : `${stateDir.host}/audit`, runtime: posix.join(stateDir.runtime, "audit") };
  const dirs = [
    { label: "OpenClaw state dir", p: hostPath(d, ocState) },
    { label: "coordinator state dir", p: stateDir },
    { label: "audit dir", p: auditDir },
  ];
  const findings: Finding[] = [];
  const fixes: string[] = [];
  const missing: string[] = [];
  for (const { label, p } of dirs) {
    if (p.host === undefined) {
      findings.push({ severity: "warn", message: `${label} ${p.runtime} is not on a bind mount of service ${d.gateway?.name}: its mode cannot be checked from the host` });
      continue;
    }
    const shown = relName(d.dir, p.host);
    if (!existsSync(p.host)) {
      // Not created yet: safe when others cannot get into its nearest existing parent.
      const parent = nearestExisting(p.host);
      if (parent !== undefined && (statSync(parent).mode & 0o001) === 0) continue;
      findings.push({ severity: "fail", file: shown, message: `${label} does not exist yet and ${parent === undefined ? "no parent exists" : `its parent ${relName(d.dir, parent)} lets others in`} (created later it gets the default umask, usually world-readable)` });
      missing.push(shown);
      continue;
    }
    const mode = statSync(p.host).mode;
    if ((mode & 0o007) !== 0) {
      findings.push({ severity: "fail", file: shown, message: `${label} has mode ${modeText(mode)} (others can read it)` });
      fixes.push(`chmod 700 ${shown}`);
    }
  }
  // A dir inside another missing one is created (and protected) with it.
  const top = missing.filter((m) => !missing.some((o) => o !== m && m.startsWith(`${o}/`)));
  if (top.length > 0) fixes.push(`mkdir -p ${top.join(" ")} && chmod 700 ${top.join(" ")}`);
  const fix = fixes.length > 0 ? `run the deployment's setup step, or: ${fixes.join(" && ")}` : "bind-mount the state dirs from host directories (mode 700)";
  return resultOf(id, findings, `${dirs.map((x) => `${x.label} ${x.p.host === undefined ? x.p.runtime : relName(d.dir, x.p.host)}`).join(", ")}: not world-readable`, fix);
}

export function checkGatewayBind(d: Deployment): CheckResult {
  const id = "gateway.bind";
  const fix = 'set gateway.bind to "loopback" (in a container: "lan", published on 127.0.0.1 only) and gateway.auth to {"mode": "token", "token": "${OPENCLAW_GATEWAY_TOKEN}"}';
  if (!d.openclaw) return noConfig(d, id, fix);
  const gw = obj(d.openclaw.json.gateway);
  const auth = obj(gw?.auth);
  const findings: Finding[] = [];
  const bind = typeof gw?.bind === "string" ? gw.bind : "loopback";
  const custom = typeof gw?.customBindHost === "string" ? gw.customBindHost : undefined;
  const loopback = bind === "loopback" || (bind === "custom" && custom !== undefined && custom.startsWith("127."));
  const contained = d.gateway !== undefined && d.gateway.networkMode !== "host";
  if (!loopback && !contained) findings.push({ severity: "fail", ...at(d, ["gateway", "bind"]), message: `gateway.bind is "${bind}": the gateway listens beyond loopback on this host` });
  const mode = typeof auth?.mode === "string" ? auth.mode : undefined;
  const has = (k: string) => auth?.[k] !== undefined && auth[k] !== "" && auth[k] !== null;
  if (mode === "none") findings.push({ severity: "fail", ...at(d, ["gateway", "auth", "mode"]), message: 'gateway.auth.mode is "none": anyone who reaches the port controls the gateway' });
  else if (mode === "token" && !has("token")) findings.push({ severity: "fail", ...at(d, ["gateway", "auth"]), message: 'gateway.auth.mode is "token" but no token is set' });
  else if (mode === "password" && !has("password")) findings.push({ severity: "fail", ...at(d, ["gateway", "auth"]), message: 'gateway.auth.mode is "password" but no password is set' });
  else if (mode === undefined && !has("token") && !has("password")) findings.push({ severity: "fail", ...at(d, gw ? ["gateway"] : []), message: "gateway.auth sets no token or password" });
  const where = contained && !loopback ? `"${bind}" inside container ${d.gateway?.containerName ?? d.gateway?.name} (reachable only through its networks and 127.0.0.1-published ports)` : `"${bind}"`;
  return resultOf(id, findings, `gateway.bind ${where}, auth ${mode ?? (has("token") ? "token" : "password")}`, fix);
}

export function checkReadOnlyConfig(d: Deployment): CheckResult {
  const id = "config.readonly";
  if (!d.gateway || !d.openclaw) return skip(id, "the OpenClaw config is not mounted into a container");
  const mount = d.gateway.mounts.find((m) => m.type === "bind" && m.target === d.configContainerPath);
  const rel = d.compose.find((c) => c.file.services.includes(d.gateway as never))?.rel;
  if (mount && !mount.readOnly) {
    return resultOf(id, [{ severity: "fail", file: rel, line: mount.line, message: `service ${d.gateway.name} mounts ${d.openclaw.rel} at ${mount.target} writable` }], "", `mount it read-only: "${relName(d.dir, mount.source)}:${mount.target}:ro"`);
  }
  return { id, status: "pass", detail: `service ${d.gateway.name} mounts ${d.openclaw.rel} read-only at ${d.configContainerPath}`, fix: "" };
}
