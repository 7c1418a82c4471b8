// Host facts the gate needs (I/O): home, workspaces, the coordinator's protected paths, real paths.
import type { StoreSettings } from "../state/store.ts";
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/schema.ts";
import type { PathRef } from "../patterns/types.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export type HostLayout = {
  home: string;
  openclawStateDir: string;
  openclawConfigPath: string;
  /** The coordinator's own state dir. */
  stateDir: string;
  /** agent id -> workspace; "*" is the default. */
  workspaces: ReadonlyMap<string, string>;
  protectedPaths: readonly string[];
  auditDir: string;
  signingKey?: string;
};

type OpenClawConfigLike = {
  agents?: { defaults?: { workspace?: unknown }; entries?: Record<string, { workspace?: unknown }>; list?: { id?: unknown; workspace?: unknown }[] };
};

/** The package root: the folder holding src/ (checkout) or dist/ (packed). Protected as the plugin's code. */
export const PACKAGE_ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const marker = `${sep}src${sep}gate`;
  const i = here.lastIndexOf(marker);
  const root = i >= 0 ? here.slice(0, i) : resolve(here, "..", "..");
  // Packed package: <pkg>/dist/src/gate -> protect <pkg>, not only dist/.
  return root.endsWith(`${sep}dist`) ? dirname(root) : root;
})();

function expandHome(p: string, home: string): string {
  return p === "~" || p.startsWith("~/") ? join(home, p.slice(1)) : p;
}

/** The kernel refuses a path string this long (ENAMETOOLONG): such a prefix cannot be inspected on disk. */
const PATH_MAX = 4096;
/** More components than a path the kernel accepts can hold (plus link targets): the rest is kept as written. */
const MAX_LSTATS = 4096;

/**
 * The real path the kernel would reach: symlinks (dangling ones too) and `..` resolved component by
 * component, missing components kept as written. Never cached: links change between calls.
 */
export function realPathOf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    // Some component does not exist (a new file, a dangling link): walk it by hand.
  }
  // Next component last: pop() stays O(1) however many components a (hostile, megabyte) path has.
  const queue = path.split("/").reverse();
  let current = "/";
  let hops = 0;
  let lstats = 0;
  while (queue.length > 0) {
    const part = queue.pop() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const next = current === "/" ? `/${part}` : `${current}/${part}`;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = next.length >= PATH_MAX || ++lstats > MAX_LSTATS ? undefined : lstatSync(next, { throwIfNoEntry: false });
    } catch {
      // ENOTDIR, EACCES, a NUL byte: the kernel cannot reach it either; kept as written.
      st = undefined;
    }
    if (st?.isSymbolicLink() && hops < 40) {
      hops++;
      let target: string;
      try {
        target = readlinkSync(next);
      } catch {
        return path;
      }
      if (target.startsWith("/")) current = "/";
      queue.push(...target.split("/").reverse());
      continue;
    }
    current = next;
  }
  return current;
}

/** Where OpenClaw keeps its state and config for this environment (OPENCLAW_* variables, profile, HOME). */
export function openclawPaths(env: Env, configPath?: string): { home: string; openclawStateDir: string; openclawConfigPath: string } {
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  const profile = env.OPENCLAW_PROFILE && env.OPENCLAW_PROFILE !== "default" ? `-${env.OPENCLAW_PROFILE}` : "";
  const openclawStateDir = resolve(expandHome(env.OPENCLAW_STATE_DIR ?? join(home, `.openclaw${profile}`), home));
  const openclawConfigPath = resolve(expandHome(configPath ?? env.OPENCLAW_CONFIG_PATH ?? join(openclawStateDir, "openclaw.json"), home));
  return { home, openclawStateDir, openclawConfigPath };
}

export function hostLayout(options: { env: Env; config: Config; openclawConfig?: unknown; configPath?: string; pluginRoot?: string }): HostLayout {
  const { env, config } = options;
  const { home, openclawStateDir, openclawConfigPath } = openclawPaths(env, options.configPath);
  const stateDir = resolve(expandHome(config.stateDir ?? join(openclawStateDir, "otheru-coordinator"), home));
  const oc = (options.openclawConfig ?? {}) as OpenClawConfigLike;
  const defaults = typeof oc.agents?.defaults?.workspace === "string" ? resolve(expandHome(oc.agents.defaults.workspace, home)) : join(openclawStateDir, "workspace");
  const workspaces = new Map<string, string>([["*", defaults]]);
  for (const [id, entry] of Object.entries(oc.agents?.entries ?? {})) {
    if (typeof entry?.workspace === "string") workspaces.set(id.toLowerCase(), resolve(expandHome(entry.workspace, home)));
  }
  for (const entry of oc.agents?.list ?? []) {
    if (typeof entry?.id === "string" && typeof entry.workspace === "string") workspaces.set(entry.id.toLowerCase(), resolve(expandHome(entry.workspace, home)));
  }
  const raw = [
    openclawConfigPath,
    join(dirname(openclawConfigPath), ".env"),
    join(openclawStateDir, ".env"),
    join(openclawStateDir, "credentials"),
    join(openclawStateDir, "extensions"),
    join(openclawStateDir, "npm"),
    join(openclawStateDir, "plugins"),
    stateDir,
    PACKAGE_ROOT,
    ...(options.pluginRoot ? [options.pluginRoot] : []),
    ...(config.envFile ? [resolve(dirname(openclawConfigPath), expandHome(config.envFile, home))] : []),
    ...config.selfProtect.paths.map((p) => resolve(expandHome(p, home))),
    ...(config.audit.dir ? [resolve(expandHome(config.audit.dir, home))] : []),
    ...(config.audit.signingKey ? [resolve(expandHome(config.audit.signingKey, home))] : []),
    ...(config.store.path ? [resolve(expandHome(config.store.path, home))] : []),
  ];
  const protectedPaths = [...new Set(raw.flatMap((p) => [p, realPathOf(p)]))];
  const auditDir = config.audit.dir ? resolve(expandHome(config.audit.dir, home)) : join(stateDir, "audit");
  const signingKey = config.audit.signingKey ? resolve(expandHome(config.audit.signingKey, home)) : undefined;
  return { home, openclawStateDir, openclawConfigPath, stateDir, workspaces, protectedPaths, auditDir, ...(signingKey ? { signingKey } : {}) };
}

/** The state store the config names: SQLite in the state dir unless told otherwise. */
export function storeSettings(config: Config, layout: Pick<HostLayout, "home" | "stateDir">): StoreSettings {
  const { kind, namespace, timeoutMs } = config.store;
  if (kind === "redis") return { kind, url: config.store.url ?? "", namespace, timeoutMs };
  const path = config.store.path ? resolve(expandHome(config.store.path, layout.home)) : join(layout.stateDir, "state.sqlite");
  return { kind, path, namespace, timeoutMs };
}

export function workspaceFor(layout: HostLayout, agentId: string | undefined): string {
  return (agentId && layout.workspaces.get(agentId.toLowerCase())) || (layout.workspaces.get("*") as string);
}

/** Fill in `real` for each path (bounded): symlinks and `..` through links are resolved against the filesystem. */
export function resolveRealPaths(paths: PathRef[], limit = 64): void {
  for (const p of paths.slice(0, limit)) {
    const glob = p.absolute.search(/[*?[]/);
    if (glob < 0) {
      p.real = realPathOf(p.absolute);
      continue;
    }
    const cut = p.absolute.lastIndexOf("/", glob);
    p.real = realPathOf(p.absolute.slice(0, cut) || "/") + p.absolute.slice(cut);
  }
}
