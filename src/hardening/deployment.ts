// Finding and reading a deployment: compose files, the OpenClaw config (and the service that mounts it), .env, Caddyfiles, monitors.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, posix, relative, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { openclawPaths } from "../gate/host.ts";
import { type ComposeFile, type ComposeService, hostPathOf, parseCompose } from "./compose.ts";
import type { Finding } from "./types.ts";

export type TextFile = { path: string; rel: string; text: string };

export type OpenClawConfigFile = TextFile & { json: Record<string, unknown> };

export type Deployment = {
  dir: string;
  /** Variables for ${VAR}: the env file under the process environment (compose precedence). */
  vars: Record<string, string>;
  envFile: string;
  envFileExists: boolean;
  compose: { file: ComposeFile; rel: string }[];
  composeProblems: Finding[];
  /** The compose service that mounts the OpenClaw config (the coordinator's gateway container), if containerised. */
  gateway: ComposeService | undefined;
  /** Where the OpenClaw config lives inside that container. */
  configContainerPath: string | undefined;
  openclaw: OpenClawConfigFile | undefined;
  openclawProblem: Finding | undefined;
  caddyfiles: TextFile[];
  monitorFiles: TextFile[];
};

export type DeploymentOptions = { deployment?: string | undefined; openclawConfig?: string | undefined; envFile?: string | undefined; env: NodeJS.ProcessEnv };

const COMPOSE_NAME = /^(?:docker-)?compose(?:\.[A-Za-z0-9_-]+)*\.ya?ml$/;

export function relName(dir: string, path: string): string {
  const r = relative(dir, path);
  if (r === "") return ".";
  return r.startsWith("..") || isAbsolute(r) ? path : r;
}

function filesUnder(dir: string, depth: number, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string, level: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory() && level < depth && !["node_modules", ".git", "data"].includes(e.name)) walk(p, level + 1);
      else if (e.isFile() && accept(e.name)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

function readText(path: string, dir: string): TextFile | undefined {
  try {
    return { path, rel: relName(dir, path), text: readFileSync(path, "utf8") };
  } catch {
    return undefined;
  }
}

export function loadDeployment(o: DeploymentOptions): Deployment {
  const dir = resolve(o.deployment ?? ".");
  const envFile = resolve(o.envFile ?? join(dir, ".env"));
  const envFileExists = existsSync(envFile);
  let fileVars: Record<string, string> = {};
  if (envFileExists) {
    try {
      fileVars = parseDotenv(readFileSync(envFile, "utf8"));
    } catch {
      // unreadable: config.perms reports it
    }
  }
  const vars: Record<string, string> = { ...fileVars };
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) vars[k] = v;

  const compose: Deployment["compose"] = [];
  const composeProblems: Finding[] = [];
  for (const path of filesUnder(dir, 0, (n) => COMPOSE_NAME.test(n))) {
    const rel = relName(dir, path);
    const parsed = parseCompose(readFileSync(path, "utf8"), path, dirname(path), vars);
    if (parsed.ok) compose.push({ file: parsed.value, rel });
    else composeProblems.push({ severity: "fail", file: rel, line: parsed.line, message: parsed.error });
  }

  // The OpenClaw config: as given, else the file a compose service mounts as its config, else <dir>/openclaw.json, else the host's.
  let gateway: ComposeService | undefined;
  let configContainerPath: string | undefined;
  let configPath: string | undefined = o.openclawConfig === undefined ? undefined : resolve(o.openclawConfig);
  for (const { file } of compose) {
    for (const s of file.services) {
      const target = s.environment.OPENCLAW_CONFIG_PATH;
      for (const m of s.mounts) {
        if (m.type !== "bind") continue;
        const isConfig = configPath !== undefined ? m.source === configPath : (target !== undefined && m.target === target) || posix.basename(m.target) === "openclaw.json";
        if (isConfig && gateway === undefined) {
          gateway = s;
          configContainerPath = m.target;
          configPath ??= m.source;
        }
      }
    }
  }
  if (configPath === undefined && existsSync(join(dir, "openclaw.json"))) configPath = join(dir, "openclaw.json");
  if (configPath === undefined && compose.length === 0) configPath = openclawPaths(o.env).openclawConfigPath;

  let openclaw: OpenClawConfigFile | undefined;
  let openclawProblem: Finding | undefined;
  if (configPath === undefined) {
    openclawProblem = { severity: "fail", message: "no OpenClaw config found (no compose service mounts an openclaw.json, none in the deployment dir)" };
  } else {
    const t = readText(configPath, dir);
    if (!t) openclawProblem = { severity: "fail", file: relName(dir, configPath), message: "the OpenClaw config cannot be read" };
    else {
      try {
        const json = JSON.parse(t.text) as unknown;
        if (json === null || typeof json !== "object" || Array.isArray(json)) throw new Error("not a JSON object");
        openclaw = { ...t, json: json as Record<string, unknown> };
      } catch (err) {
        openclawProblem = { severity: "fail", file: t.rel, message: `the OpenClaw config is not valid JSON (${(err as Error).message})` };
      }
    }
  }

  const caddyPaths = new Set(filesUnder(dir, 2, (n) => /^Caddyfile(\..+)?$/.test(n) || n.endsWith(".caddyfile")));
  for (const { file } of compose) for (const s of file.services) for (const m of s.mounts) if (m.type === "bind" && /(^|\/)Caddyfile$/.test(m.target) && existsSync(m.source) && statSync(m.source).isFile()) caddyPaths.add(m.source);
  const caddyfiles = [...caddyPaths].flatMap((p) => readText(p, dir) ?? []);
  const monitorFiles = filesUnder(dir, 3, (n) => n.endsWith(".json"))
    .flatMap((p) => readText(p, dir) ?? [])
    .filter((t) => /"monitorList"\s*:/.test(t.text));

  return { dir, vars, envFile, envFileExists, compose, composeProblems, gateway, configContainerPath, openclaw, openclawProblem, caddyfiles, monitorFiles };
}

/** The environment OpenClaw itself sees: the container's (compose environment over the deployment variables) or the host's. */
export function runtimeVars(d: Deployment): Record<string, string> {
  // A container sees its compose environment only, not the operator's shell.
  return d.gateway ? { ...d.gateway.environment } : d.vars;
}

export type HostPath = { host: string | undefined; runtime: string };

/**
 * A path as OpenClaw would see it, mapped to the host: through the gateway container's bind mounts when containerised
 * (undefined when it lives in a named volume or the image), as is otherwise. `~` is the runtime's home.
 */
export function hostPath(d: Deployment, runtimePath: string): HostPath {
  const vars = runtimeVars(d);
  const home = vars.HOME ?? (d.gateway ? "/home/node" : openclawPaths(vars).home);
  const p = runtimePath === "~" || runtimePath.startsWith("~/") ? posix.join(home, runtimePath.slice(1)) : runtimePath;
  if (!d.gateway) return { host: resolve(d.openclaw ? dirname(d.openclaw.path) : d.dir, p), runtime: resolve(p) };
  const abs = posix.resolve(d.configContainerPath ? posix.dirname(d.configContainerPath) : "/", p);
  return { host: hostPathOf(d.gateway, abs)?.path, runtime: abs };
}

/** OpenClaw's state dir as the runtime sees it. */
export function runtimeStateDir(d: Deployment): string {
  const vars = runtimeVars(d);
  if (d.gateway) {
    const home = vars.HOME ?? "/home/node";
    return vars.OPENCLAW_STATE_DIR ?? posix.join(home, ".openclaw");
  }
  return openclawPaths(vars).openclawStateDir;
}

/** The line of a key path in a JSON (or JSON5) text: each key searched after the previous one; the deepest found wins. */
export function lineOfKey(text: string, path: readonly string[]): number | undefined {
  let offset = 0;
  let found: number | undefined;
  for (const key of path) {
    const re = new RegExp(`(?<![A-Za-z0-9_$-])["']?${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*:`, "g");
    re.lastIndex = offset;
    const m = re.exec(text);
    if (!m) break;
    offset = m.index + m[0].length;
    found = offset;
  }
  if (found === undefined) return undefined;
  let line = 1;
  for (let i = 0; i < found; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
