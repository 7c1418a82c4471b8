// The `check` command: the deployment hardening checklist, item by item, each with its fix (cli-contract.md).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { examineCaddyfile, parseCaddyfile } from "./caddy.ts";
import { type Deployment, type DeploymentOptions, hostPath, loadDeployment, relName, runtimeStateDir, runtimeVars } from "./deployment.ts";
import { examineListeners, type Listener, type ListenerRead, readListeners } from "./live.ts";
import { covers, type Monitor, parseMonitors } from "./monitoring.ts";
import { checkAdminTokens, checkDefaultSessionKey, checkGatewayBind, checkHookBudget, checkPluginEnabled, checkReadOnlyConfig, checkSigningKey, checkStatePerms } from "./openclaw.ts";
import { examineNetworks } from "./networks.ts";
import { examinePorts, isReverseProxy } from "./ports.ts";
import { isEnvTemplate, listScannable, scanFiles } from "./secrets.ts";
import { type CheckResult, type Finding, resultOf, skip } from "./types.ts";
import { interpolate } from "./interpolate.ts";

export type CheckOptions = DeploymentOptions & {
  live?: boolean | undefined;
  /** Extra host ports that belong to the deployment (--port), for --live. */
  ports?: readonly number[] | undefined;
  /** For tests: read listeners from here instead of this host. */
  listeners?: (() => ListenerRead) | undefined;
};

export type CheckReport = { ok: boolean; results: CheckResult[] };

const DEFAULT_GATEWAY_PORT = 18789;

function checkPorts(d: Deployment, o: CheckOptions): CheckResult {
  const id = "ports.loopback";
  const facts = examinePorts(d.compose);
  const findings: Finding[] = [...d.composeProblems, ...facts.findings];
  const fix = 'publish on loopback only: "127.0.0.1:HOST:CONTAINER" (long syntax: host_ip: 127.0.0.1); no network_mode: host; only the reverse proxy\'s 80/443 face the network';
  let liveNote = "";
  if (o.live) {
    const ports = facts.published.map((p) => ({ port: p.port, protocol: p.protocol }));
    for (const p of o.ports ?? []) ports.push({ port: p, protocol: "tcp" }, { port: p, protocol: "udp" });
    if (d.compose.length === 0) {
      const gwPort = Number((d.openclaw?.json.gateway as { port?: unknown } | undefined)?.port ?? DEFAULT_GATEWAY_PORT);
      if (Number.isInteger(gwPort)) ports.push({ port: gwPort, protocol: "tcp" });
    }
    const allowed = new Set<string>();
    for (const p of facts.published) if (p.public && facts.publicProxyPorts.some((x) => x.hostPort === String(p.port) && x.protocol === p.protocol)) allowed.add(`${p.protocol}/${p.port}`);
    const read = (o.listeners ?? readListeners)();
    if (!read.ok) findings.push({ severity: "fail", message: `--live: ${read.error}` });
    else {
      const live = examineListeners(read.listeners as Listener[], ports, allowed);
      findings.push(...live);
      liveNote = `; live (${read.source}): no listener on the deployment's ${new Set(ports.map((p) => p.port)).size} ports is off loopback`;
    }
  }
  if (d.compose.length === 0 && !o.live) return skip(id, `no compose file in ${d.dir}`, "give --deployment DIR (the folder with docker-compose.yml), or --live to check listening sockets");
  const publicNote = facts.publicProxyPorts.length > 0 ? `; public only the reverse proxy's ${facts.publicProxyPorts.map((p) => `${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", ")} (service ${facts.publicProxyPorts[0]?.service}, see proxy.https)` : "";
  const local = facts.published.filter((p) => !p.public).length;
  return resultOf(id, findings, `${local} published port${local === 1 ? "" : "s"} in ${d.compose.map((c) => c.rel).join(", ") || "no compose file"} on loopback${publicNote}${liveNote}`, fix);
}

function checkNetworks(d: Deployment): CheckResult {
  const id = "networks.isolated";
  if (d.compose.length === 0) return skip(id, `no compose file in ${d.dir}`);
  const r = examineNetworks(d.compose);
  return resultOf(
    id,
    r.findings,
    `every service on named bridge networks; internal (no egress): ${r.internal.join(", ") || "none"}`,
    "give each service named bridge networks; put services that need no egress (Redis, Ollama, databases) only on networks with internal: true",
  );
}

function mode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

function checkConfigPerms(d: Deployment): CheckResult {
  const id = "config.perms";
  const files = new Map<string, string>();
  if (d.openclaw) files.set(d.openclaw.path, "OpenClaw config");
  if (d.envFileExists) files.set(d.envFile, "env file");
  if (d.openclaw && !d.gateway) {
    const beside = join(d.openclaw.path, "..", ".env");
    if (mode(beside) !== undefined) files.set(beside, "env file");
  }
  try {
    for (const name of readdirSync(d.dir)) if (/^\.env(\..+)?$/.test(name) && !isEnvTemplate(name)) files.set(join(d.dir, name), "env file");
  } catch {
    // no deployment dir: the other files still count
  }
  const envFile = (d.openclaw?.json.plugins as { entries?: Record<string, { config?: { envFile?: unknown } }> } | undefined)?.entries?.["otheru-coordinator"]?.config?.envFile;
  if (typeof envFile === "string") {
    const p = hostPath(d, interpolate(envFile, runtimeVars(d))).host;
    if (p !== undefined && mode(p) !== undefined) files.set(p, "coordinator env file");
  }
  const findings: Finding[] = [];
  const fixes: string[] = [];
  if (d.openclawProblem) findings.push(d.openclawProblem);
  for (const [path, label] of files) {
    const m = mode(path);
    const rel = relName(d.dir, path);
    if (m === undefined) findings.push({ severity: "fail", file: rel, message: `${label} cannot be read` });
    else if ((m & 0o077) !== 0) {
      findings.push({ severity: "fail", file: rel, message: `${label} has mode ${m.toString(8).padStart(3, "0")} (group or others can read it)` });
      fixes.push(`chmod 600 ${rel}`);
    }
  }
  const fix = fixes.length > 0 ? `run: ${fixes.join(" && ")}` : "make the OpenClaw config and every .env file mode 600";
  return resultOf(id, findings, `${[...files.keys()].map((p) => relName(d.dir, p)).join(", ")}: mode 600`, fix);
}

function checkSecrets(d: Deployment): CheckResult {
  const id = "secrets.env-only";
  const skipDirs = new Set<string>();
  const vars = runtimeVars(d);
  // State dirs hold conversations and records, not config: leave them to the audit trail's own redaction.
  const ocState = d.gateway ? hostPath(d, runtimeStateDir(d)).host : undefined;
  if (ocState) skipDirs.add(ocState);
  const stateDir = (d.openclaw?.json.plugins as { entries?: Record<string, { config?: { stateDir?: unknown } }> } | undefined)?.entries?.["otheru-coordinator"]?.config?.stateDir;
  if (typeof stateDir === "string") {
    const p = hostPath(d, interpolate(stateDir, vars)).host;
    if (p) skipDirs.add(p);
  }
  const files = new Set(listScannable(d.dir, skipDirs));
  if (d.openclaw) files.add(d.openclaw.path);
  const hits = scanFiles([...files], d.dir);
  const findings: Finding[] = hits.map((h) => ({ severity: "fail", file: h.file, line: h.line, message: `${h.kind} [masked, ${h.length} chars]` }));
  return resultOf(
    id,
    findings,
    `no credential literal in ${files.size} config and source file${files.size === 1 ? "" : "s"} (${d.envFileExists ? `${relName(d.dir, d.envFile)} holds the secrets` : "no .env"})`,
    "move each secret into .env (mode 600) and reference it as ${VAR} (compose environment, openclaw.json); .env.example keeps placeholders only; rotate any secret that was ever committed",
  );
}

function publicEndpoints(d: Deployment): { proxy: CheckResult; endpoints: { url: string; host: string; port: string; file: string; line: number | undefined }[] } {
  const id = "proxy.https";
  const findings: Finding[] = [];
  const endpoints: { url: string; host: string; port: string; file: string; line: number | undefined }[] = [];
  const facts = examinePorts(d.compose);
  const proxyServices = d.compose.flatMap((c) => c.file.services.filter(isReverseProxy).map((s) => ({ s, rel: c.rel })));
  for (const c of d.caddyfiles) {
    const r = examineCaddyfile(parseCaddyfile(c.text, d.vars), c.rel);
    findings.push(...r.findings);
    for (const s of r.publicSites) {
      const u = new URL(s.url);
      endpoints.push({ url: s.url, host: u.hostname, port: u.port || (u.protocol === "http:" ? "80" : "443"), file: s.file, line: s.line });
    }
  }
  const fix = "terminate TLS in Caddy: a site addressed by its domain name (automatic HTTPS and HTTP->HTTPS redirect), header Strict-Transport-Security \"max-age=31536000\", no auto_https off, admin API on localhost or off";
  if (d.caddyfiles.length === 0) {
    if (proxyServices.length > 0) findings.push({ severity: "fail", file: proxyServices[0]?.rel, line: proxyServices[0]?.s.line, message: `service ${proxyServices[0]?.s.name} is a reverse proxy but no Caddyfile was found in the deployment` });
    else if (facts.publicProxyPorts.length === 0 && facts.findings.length === 0) return { proxy: { id, status: "pass", detail: "nothing is published beyond loopback; no reverse proxy needed", fix: "" }, endpoints };
    else findings.push({ severity: "fail", message: "ports are published beyond loopback without a TLS-terminating reverse proxy" });
  }
  const detail = `${d.caddyfiles.map((c) => c.rel).join(", ")}: ${endpoints.map((e) => e.url).join(", ") || "no public site"}: TLS, HTTP redirected, HSTS, admin API local`;
  return { proxy: resultOf(id, findings, detail, fix), endpoints };
}

function checkMonitoring(d: Deployment, endpoints: { url: string; host: string; port: string; file: string; line: number | undefined }[]): CheckResult {
  const id = "monitoring.endpoints";
  const monitors: (Monitor & { file: string })[] = [];
  const findings: Finding[] = [];
  for (const f of d.monitorFiles) {
    const r = parseMonitors(f.text, d.vars);
    if (!r.ok) findings.push({ severity: "fail", file: f.rel, message: r.error });
    else monitors.push(...r.monitors.map((m) => ({ ...m, file: f.rel })));
  }
  if (endpoints.length === 0 && findings.length === 0) return { id, status: "pass", detail: "no public endpoint to monitor", fix: "" };
  if (d.monitorFiles.length === 0) findings.push({ severity: "fail", message: "no Uptime Kuma monitor definitions (a JSON file with a monitorList) in the deployment" });
  for (const e of endpoints) {
    if (!monitors.some((m) => covers(m, e))) findings.push({ severity: "fail", file: e.file, line: e.line, message: `public endpoint ${e.url} has no monitor` });
  }
  const covered = endpoints.map((e) => `${e.url} (${monitors.find((m) => covers(m, e))?.name ?? "?"})`);
  return resultOf(id, findings, `every public endpoint has an active monitor: ${covered.join(", ")}`, "add an Uptime Kuma HTTP monitor for each public endpoint (e.g. https://DOMAIN/dependencies/health) to the monitors file and import it");
}

/** Run every checklist item against one deployment. */
export function runChecks(o: CheckOptions): CheckReport {
  const d = loadDeployment(o);
  const { proxy, endpoints } = publicEndpoints(d);
  const results: CheckResult[] = [
    checkPorts(d, o),
    checkConfigPerms(d),
    checkSecrets(d),
    checkDefaultSessionKey(d),
    proxy,
    checkMonitoring(d, endpoints),
    checkPluginEnabled(d),
    checkHookBudget(d),
    checkAdminTokens(d),
    checkSigningKey(d),
    checkStatePerms(d),
    checkGatewayBind(d),
    checkReadOnlyConfig(d),
    checkNetworks(d),
  ];
  return { ok: results.every((r) => r.status !== "fail"), results };
}

export function formatReport(r: CheckReport): string {
  const lines: string[] = [];
  const width = Math.max(...r.results.map((x) => x.id.length));
  for (const x of r.results) {
    lines.push(`${x.status.toUpperCase().padEnd(4)}  ${x.id.padEnd(width)}  ${x.detail}`);
    if (x.status !== "pass" && x.fix !== "") lines.push(`      fix: ${x.fix}`);
  }
  const count = (s: string) => r.results.filter((x) => x.status === s).length;
  lines.push("", `${r.ok ? "ok" : "FAILED"}: ${count("pass")} pass, ${count("fail")} fail, ${count("warn")} warn, ${count("skip")} skip`);
  return `${lines.join("\n")}\n`;
}
