// Uptime Kuma monitor definitions (its backup/import JSON: {"monitorList": [...]}) and which public endpoints they cover. Pure.
import { interpolate, type Vars } from "./interpolate.ts";

export type Monitor = { name: string; host: string; port: string; url: string; line: number | undefined };

/** The active monitors of one file; `${VAR}` in URLs resolves from the deployment (the file is rendered before import). */
export function parseMonitors(text: string, vars: Vars): { ok: true; monitors: Monitor[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  const list = (json as { monitorList?: unknown }).monitorList;
  if (!Array.isArray(list)) return { ok: false, error: "no monitorList array" };
  const monitors: Monitor[] = [];
  let searchFrom = 0;
  for (const m of list) {
    if (m === null || typeof m !== "object") continue;
    const o = m as Record<string, unknown>;
    const name = typeof o.name === "string" ? o.name : "(unnamed)";
    const nameAt = text.indexOf(JSON.stringify(name), searchFrom);
    const line = nameAt < 0 ? undefined : text.slice(0, nameAt).split("\n").length;
    if (nameAt >= 0) searchFrom = nameAt + 1;
    if (o.active === false || o.active === 0) continue;
    if (typeof o.url === "string" && /^https?:\/\//.test(interpolate(o.url, vars))) {
      const url = interpolate(o.url, vars);
      try {
        const u = new URL(url);
        monitors.push({ name, host: u.hostname.toLowerCase(), port: u.port, url, line });
      } catch {
        // an unparsable URL monitors nothing
      }
    } else if (typeof o.hostname === "string") {
      monitors.push({ name, host: interpolate(o.hostname, vars).toLowerCase(), port: o.port === undefined || o.port === null ? "" : String(o.port), url: "", line });
    }
  }
  return { ok: true, monitors };
}

/** An endpoint (host and port, the scheme's default filled in) is covered by a monitor of the same host and port. */
export function covers(m: Monitor, endpoint: { host: string; port: string }): boolean {
  if (m.host !== endpoint.host.toLowerCase()) return false;
  const mPort = m.port || (m.url.startsWith("http://") ? "80" : "443");
  return mPort === endpoint.port;
}
