// Compose files: parsed with the yaml package (line numbers through LineCounter), variables interpolated as compose does. Pure.
import { isAbsolute, resolve } from "node:path";
import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { interpolate, interpolateDeep, type Vars } from "./interpolate.ts";

export type Mount = { type: "bind" | "volume" | "tmpfs" | "other"; source: string; target: string; readOnly: boolean; line: number | undefined };
export type PortEntry = { raw: unknown; line: number | undefined };
export type ComposeService = {
  name: string;
  line: number | undefined;
  image: string | undefined;
  containerName: string | undefined;
  networkMode: string | undefined;
  networkModeLine: number | undefined;
  ports: PortEntry[];
  mounts: Mount[];
  environment: Record<string, string>;
  networks: string[];
  healthcheck: string | undefined;
  healthcheckLine: number | undefined;
  user: string | undefined;
};
export type ComposeNetwork = { name: string; internal: boolean; driver: string | undefined; line: number | undefined };
export type ComposeFile = { path: string; services: ComposeService[]; networks: ComposeNetwork[] };
export type ComposeParse = { ok: true; value: ComposeFile } | { ok: false; error: string; line?: number };

type Positioned = {
  /** Line of the value at path. */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
  /** Line of the key that names the last element of path (a service's name, not its first setting). */
  keyLineOf: (path: readonly (string | number)[]) => number | undefined;
};

/** Parse one compose file's text. `dir` resolves relative bind sources; `vars` interpolates ${VAR}. */
export function parseCompose(text: string, path: string, dir: string, vars: Vars): ComposeParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e === undefined ? undefined : lineCounter.linePos(e.pos[0]).line;
    return { ok: false, error: `not valid YAML (${e?.message.split("\n")[0] ?? "parse error"})`, ...(line !== undefined ? { line } : {}) };
  }
  const pos: Positioned = {
    lineOf: (p) => {
      const node = doc.getIn(p, true);
      const offset = isNode(node) ? node.range?.[0] : undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
    keyLineOf: (p) => {
      const parent = p.length === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true);
      if (!isMap(parent)) return undefined;
      const pair = parent.items.find((i) => isScalar(i.key) && i.key.value === p[p.length - 1]);
      const offset = isNode(pair?.key) ? pair.key.range?.[0] : undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
  const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { ok: false, error: "not a compose file (the top level is not a mapping)" };
  const top = raw as Record<string, unknown>;
  const services: ComposeService[] = [];
  const servicesRaw = top.services;
  if (servicesRaw !== null && typeof servicesRaw === "object" && !Array.isArray(servicesRaw)) {
    for (const [name, value] of Object.entries(servicesRaw as Record<string, unknown>)) {
      services.push(parseService(name, value, dir, vars, pos));
    }
  }
  const networks: ComposeNetwork[] = [];
  const netsRaw = top.networks;
  if (netsRaw !== null && typeof netsRaw === "object" && !Array.isArray(netsRaw)) {
    for (const [name, value] of Object.entries(netsRaw as Record<string, unknown>)) {
      const n = (interpolateDeep(value ?? {}, vars) ?? {}) as Record<string, unknown>;
      networks.push({ name, internal: n.internal === true || n.internal === "true", driver: typeof n.driver === "string" ? n.driver : undefined, line: pos.keyLineOf(["networks", name]) });
    }
  }
  return { ok: true, value: { path, services, networks } };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function parseService(name: string, value: unknown, dir: string, vars: Vars, pos: Positioned): ComposeService {
  const s = (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const base = ["services", name];
  const portsRaw = Array.isArray(s.ports) ? s.ports : [];
  const ports = portsRaw.map((p, i) => ({ raw: interpolateDeep(p, vars), line: pos.lineOf([...base, "ports", i]) }));
  const volumes = Array.isArray(s.volumes) ? s.volumes : [];
  const mounts = volumes.flatMap((v, i) => {
    const m = parseMount(interpolateDeep(v, vars), dir, pos.lineOf([...base, "volumes", i]));
    return m ? [m] : [];
  });
  const environment: Record<string, string> = {};
  const env = s.environment;
  if (Array.isArray(env)) {
    for (const e of env) {
      const text = str(e);
      if (text === undefined) continue;
      const eq = text.indexOf("=");
      if (eq > 0) environment[text.slice(0, eq)] = interpolate(text.slice(eq + 1), vars);
    }
  } else if (env !== null && typeof env === "object") {
    for (const [k, v] of Object.entries(env)) environment[k] = interpolate(str(v) ?? "", vars);
  }
  const nets = s.networks;
  const networks = Array.isArray(nets) ? nets.flatMap((n) => (typeof n === "string" ? [n] : [])) : nets !== null && typeof nets === "object" ? Object.keys(nets) : [];
  const hc = s.healthcheck as { test?: unknown } | undefined;
  const test = Array.isArray(hc?.test) ? hc.test.map(String).join(" ") : str(hc?.test);
  const pick = (k: string) => {
    const v = str(s[k]);
    return v === undefined ? undefined : interpolate(v, vars);
  };
  return {
    name,
    line: pos.keyLineOf(base),
    image: pick("image"),
    containerName: pick("container_name"),
    networkMode: pick("network_mode"),
    networkModeLine: pos.lineOf([...base, "network_mode"]),
    ports,
    mounts,
    environment,
    networks,
    healthcheck: test === undefined ? undefined : interpolate(test, vars),
    healthcheckLine: pos.lineOf([...base, "healthcheck"]),
    user: pick("user"),
  };
}

function isPathSource(source: string): boolean {
  return source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
}

/** A service volume, short ("./src:/dst:ro") or long ({type, source, target, read_only}) syntax. */
export function parseMount(v: unknown, dir: string, line: number | undefined): Mount | undefined {
  if (typeof v === "string") {
    const parts = v.split(":");
    if (parts.length === 1) return { type: "volume", source: "", target: parts[0] as string, readOnly: false, line };
    const [source, target, mode] = parts as [string, string, string | undefined];
    const readOnly = (mode ?? "").split(",").includes("ro");
    if (isPathSource(source)) return { type: "bind", source: resolveSource(source, dir), target, readOnly, line };
    return { type: "volume", source, target, readOnly, line };
  }
  if (v !== null && typeof v === "object") {
    const m = v as Record<string, unknown>;
    const type = m.type === "bind" || m.type === "volume" || m.type === "tmpfs" ? m.type : "other";
    const source = str(m.source) ?? "";
    const target = str(m.target) ?? "";
    return { type, source: type === "bind" ? resolveSource(source, dir) : source, target, readOnly: m.read_only === true || m.read_only === "true", line };
  }
  return undefined;
}

function resolveSource(source: string, dir: string): string {
  if (source.startsWith("~")) return resolve(process.env.HOME ?? "/", `.${source.slice(1)}`);
  return isAbsolute(source) ? source : resolve(dir, source);
}

/** The host path a container path reaches through a service's bind mounts (longest target wins), if any. */
export function hostPathOf(service: Pick<ComposeService, "mounts">, containerPath: string): { path: string; mount: Mount } | undefined {
  let best: Mount | undefined;
  for (const m of service.mounts) {
    if (m.type !== "bind" || m.target === "") continue;
    const t = m.target.replace(/\/+$/, "");
    if (containerPath === t || containerPath.startsWith(`${t}/`)) if (!best || t.length > best.target.length) best = m;
  }
  if (!best) return undefined;
  const t = best.target.replace(/\/+$/, "");
  return { path: best.source + containerPath.slice(t.length), mount: best };
}

/**
 * Services merged across the deployment's compose files the way `docker compose -f a -f b` merges an override:
 * by name, later files win for single values, networks accumulate. Lines point at the first definition.
 */
export function mergeServices(files: readonly { file: ComposeFile; rel: string }[]): { service: ComposeService; rel: string; networks: Map<string, ComposeNetwork> }[] {
  const networks = new Map<string, ComposeNetwork>();
  for (const { file } of files) for (const n of file.networks) networks.set(n.name, { ...networks.get(n.name), ...n, line: networks.get(n.name)?.line ?? n.line });
  const merged = new Map<string, { service: ComposeService; rel: string }>();
  for (const { file, rel } of files) {
    for (const s of file.services) {
      const prior = merged.get(s.name);
      if (!prior) {
        merged.set(s.name, { service: { ...s, networks: [...s.networks] }, rel });
        continue;
      }
      const p = prior.service;
      p.image = s.image ?? p.image;
      p.networkMode = s.networkMode ?? p.networkMode;
      p.networks = [...new Set([...p.networks, ...s.networks])];
    }
  }
  return [...merged.values()].map((m) => ({ ...m, networks }));
}
