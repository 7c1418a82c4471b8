// Published ports: compose short and long syntax (IPv4, [IPv6], ranges, /udp), and whether each stays on loopback. Pure.
import { isIP } from "node:net";
import type { ComposeFile, ComposeService } from "./compose.ts";
import type { Finding } from "./types.ts";

export type Published = {
  /** As written after interpolation; "" when no host address was given (= every interface). */
  hostIp: string;
  /** Host port or range; "" when docker picks one. */
  hostPort: string;
  containerPort: string;
  protocol: string;
};

export type PortParse = { ok: true; value: Published } | { ok: false; error: string };

/** One `ports:` entry, short ("127.0.0.1:8080:80/tcp", "[::1]:80:80", "8080:80", "3000") or long ({target, published, host_ip}). */
export function parsePort(raw: unknown): PortParse {
  if (typeof raw === "number") return { ok: true, value: { hostIp: "", hostPort: "", containerPort: String(raw), protocol: "tcp" } };
  if (typeof raw === "string") return parseShortPort(raw);
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const p = raw as Record<string, unknown>;
    const target = p.target;
    if (typeof target !== "number" && typeof target !== "string") return { ok: false, error: "long syntax without target" };
    const published = p.published;
    return {
      ok: true,
      value: {
        hostIp: typeof p.host_ip === "string" ? stripBrackets(p.host_ip.trim()) : "",
        hostPort: typeof published === "number" || typeof published === "string" ? String(published) : "",
        containerPort: String(target),
        protocol: typeof p.protocol === "string" ? p.protocol : "tcp",
      },
    };
  }
  return { ok: false, error: `not a port entry (${JSON.stringify(raw)})` };
}

function stripBrackets(s: string): string {
  return s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
}

function parseShortPort(text: string): PortParse {
  let spec = text.trim();
  let protocol = "tcp";
  const slash = spec.lastIndexOf("/");
  if (slash >= 0) {
    protocol = spec.slice(slash + 1);
    spec = spec.slice(0, slash);
  }
  // docker's nat.ParsePortSpec: the last part is the container port, the one before the host port, the rest the address.
  let ip = "";
  if (spec.startsWith("[")) {
    const close = spec.indexOf("]");
    if (close < 0) return { ok: false, error: `unbalanced [ in "${text}"` };
    ip = spec.slice(1, close);
    spec = spec.slice(close + 1).replace(/^:/, "");
    const parts = spec.split(":");
    if (parts.length !== 2) return { ok: false, error: `"${text}" is not [ADDRESS]:HOST:CONTAINER` };
    return { ok: true, value: { hostIp: ip, hostPort: parts[0] as string, containerPort: parts[1] as string, protocol } };
  }
  const parts = spec.split(":");
  const n = parts.length;
  const containerPort = parts[n - 1] as string;
  const hostPort = n >= 2 ? (parts[n - 2] as string) : "";
  ip = n >= 3 ? parts.slice(0, n - 2).join(":") : "";
  if (!/^\d+(-\d+)?$/.test(containerPort)) return { ok: false, error: `"${text}": container port "${containerPort}" is not a number` };
  return { ok: true, value: { hostIp: ip, hostPort, containerPort, protocol } };
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(addr: string): boolean {
  const a = stripBrackets(addr.trim()).toLowerCase();
  if (isIP(a) === 4) return a.startsWith("127.");
  if (isIP(a) === 6) {
    if (a === "::1" || a === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped !== null && (mapped[1] as string).startsWith("127.");
  }
  return false;
}

export function describeAddress(hostIp: string): string {
  if (hostIp === "") return "every interface (no host address)";
  if (hostIp === "0.0.0.0") return "0.0.0.0 (every IPv4 interface)";
  if (hostIp === "::") return "[::] (every interface, IPv6 wildcard)";
  if (isIP(hostIp) === 0) return `"${hostIp}" (not an IP address)`;
  return isIP(hostIp) === 6 ? `[${hostIp}]` : hostIp;
}

/** The reverse proxy: the only service whose 80/443 may be published beyond loopback (proxy.https checks it). */
export function isReverseProxy(s: Pick<ComposeService, "image" | "mounts">): boolean {
  if (s.image !== undefined && /(^|\/)caddy(:|@|$)/.test(s.image)) return true;
  return s.mounts.some((m) => /(^|\/)Caddyfile$/.test(m.target));
}

const PROXY_PORTS = new Set(["80", "443"]);

export type PortFacts = {
  findings: Finding[];
  /** Host ports (with protocol) the deployment publishes, for --live. */
  published: { port: number; protocol: string; public: boolean }[];
  /** Host ports of the reverse proxy published beyond loopback (the deliberate public ingress). */
  publicProxyPorts: { service: string; hostPort: string; containerPort: string; protocol: string; file: string; line: number | undefined }[];
};

/** Every published port of every service: loopback passes; the reverse proxy's 80/443 are the public ingress; the rest fails. */
export function examinePorts(files: readonly { file: ComposeFile; rel: string }[]): PortFacts {
  const findings: Finding[] = [];
  const published: PortFacts["published"] = [];
  const publicProxyPorts: PortFacts["publicProxyPorts"] = [];
  for (const { file, rel } of files) {
    for (const s of file.services) {
      if (s.networkMode === "host") {
        findings.push({ severity: "fail", file: rel, line: s.networkModeLine, message: `service ${s.name} uses network_mode: host, so whatever it listens on is on every host interface` });
      }
      for (const p of s.ports) {
        const parsed = parsePort(p.raw);
        if (!parsed.ok) {
          findings.push({ severity: "fail", file: rel, line: p.line, message: `service ${s.name}: cannot read port ${parsed.error}` });
          continue;
        }
        const v = parsed.value;
        const loop = isLoopbackAddress(v.hostIp);
        for (const port of expandRange(v.hostPort)) published.push({ port, protocol: v.protocol, public: !loop });
        if (loop) continue;
        if (isReverseProxy(s) && PROXY_PORTS.has(v.containerPort)) {
          publicProxyPorts.push({ service: s.name, hostPort: v.hostPort || "(ephemeral)", containerPort: v.containerPort, protocol: v.protocol, file: rel, line: p.line });
          continue;
        }
        const shown = `${v.hostPort || "(ephemeral)"}->${v.containerPort}/${v.protocol}`;
        findings.push({ severity: "fail", file: rel, line: p.line, message: `service ${s.name} publishes ${shown} on ${describeAddress(v.hostIp)}` });
      }
    }
  }
  return { findings, published, publicProxyPorts };
}

function expandRange(hostPort: string): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(hostPort);
  if (!m) return [];
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Math.min(Number(m[2]), lo + 1024);
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}
