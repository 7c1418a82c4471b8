// Private memory: which sessions may see it (a DM key, or the main session with its owner) and which paths hold it. Pure.
import type { CallContext, HostPaths } from "../policy/types.ts";

/** Whether a session may see private memory, and one phrase why (it lands in block reasons). */
export type Privacy = { private: boolean; why: string };

const DM_KINDS = new Set(["direct", "dm"]);
/** Segments that make a key shared: a group, a room, or a thread / topic inside anything. */
const SHARED_KINDS: Readonly<Record<string, string>> = { group: "a group chat", channel: "a channel", thread: "a thread", topic: "a topic" };

/**
 * Private only when the key and requester prove it: a DM key (`agent:<id>:direct:<peer>`,
 * `agent:<id>:<channel>:direct:<peer>`, `agent:<id>:<channel>:<account>:direct:<peer>`), or `agent:<id>:main`
 * whose requester OpenClaw resolved as owner (or a listed sender). OpenClaw routes every DM, and with
 * `groupScope: "main"` groups too, into the main session, so the key alone proves nothing there.
 */
export function sessionPrivacy(ctx: Pick<CallContext, "sessionKey" | "channel" | "senderId" | "senderIsOwner">, senders: readonly string[]): Privacy {
  const key = ctx.sessionKey?.trim().toLowerCase();
  if (!key) return { private: false, why: "the session is unknown" };
  const parts = key.split(":");
  if (parts[0] !== "agent" || !parts[1] || parts.length < 3) return { private: false, why: "the session key has an unknown shape" };
  const rest = parts.slice(2);
  for (const p of rest) {
    const kind = SHARED_KINDS[p];
    if (kind !== undefined) return { private: false, why: `this is ${kind}` };
  }
  if (rest.length === 1 && rest[0] === "main") {
    if (ctx.senderIsOwner === true) return { private: true, why: "the owner's main session" };
    const id = ctx.senderId;
    if (id !== undefined && senders.some((s) => (s.includes(":") ? s === `${ctx.channel ?? ""}:${id}` : s === id))) {
      return { private: true, why: "the main session of a listed private sender" };
    }
    return { private: false, why: ctx.senderIsOwner === false ? "the main session's requester is not the owner" : "the main session's requester is not a proven owner" };
  }
  const k = rest.findIndex((p) => DM_KINDS.has(p));
  if (k >= 0 && k <= 2 && k + 1 < rest.length && rest.slice(k + 1).every((p) => p !== "")) return { private: true, why: "a direct-message session" };
  return { private: false, why: "the session key has an unknown shape" };
}

/** One private-memory location as absolute, lower-cased path segments (globs allowed); everything below it counts. */
export type MemoryRoot = readonly string[];

/** `memory/**`, `./memory/`, `memory` -> `memory`: a trailing /** adds nothing, since everything below a root counts. */
export function normaliseMemoryPath(rel: string): string {
  return rel.trim().replace(/^(\.\/)+/, "").replace(/(\/\*\*)+\/?$/, "").replace(/\/+$/, "");
}

function segments(path: string): string[] {
  return path.toLowerCase().split("/").filter((s) => s !== "" && s !== ".");
}

/**
 * The private-memory roots for one call: each configured path under the workspace (as written and with
 * symlinks resolved), plus OpenClaw's own memory stores in its state dir (LanceDB's default folder and the
 * per-agent SQLite index memory_search reads).
 */
export function memoryRoots(relPaths: readonly string[], host: Pick<HostPaths, "workspace" | "workspaceReal" | "openclawStateDir">): MemoryRoot[] {
  const bases = [host.workspace, ...(host.workspaceReal && host.workspaceReal !== host.workspace ? [host.workspaceReal] : [])];
  const roots: MemoryRoot[] = [];
  for (const base of bases) for (const rel of relPaths) roots.push(segments(`${base}/${rel}`));
  if (host.openclawStateDir) {
    roots.push(segments(`${host.openclawStateDir}/memory`), segments(`${host.openclawStateDir}/agents/*/agent/openclaw-agent.sqlite*`));
  }
  return roots;
}

const GLOB = /[*?[]/;
const globCache = new Map<string, RegExp>();

function globRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (re === undefined) {
    const body = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".").replace(/\[!/g, "[^");
    try {
      re = new RegExp(`^${body}$`, "s");
    } catch {
      re = /^/; // A class the shell would reject: fail closed (matches anything).
    }
    if (globCache.size < 1_000) globCache.set(glob, re);
  }
  return re;
}

/** Can these two names (either may be a glob) be the same file? Two globs are assumed to overlap. */
function sameName(a: string, b: string): boolean {
  const ga = GLOB.test(a);
  const gb = GLOB.test(b);
  if (ga && gb) return true;
  if (ga) return globRegExp(a).test(b);
  if (gb) return globRegExp(b).test(a);
  return a === b;
}

/**
 * Where an absolute, normalised path (globs allowed) lies relative to a root: `inside` (the root or below, or
 * a glob that can name them), `ancestor` (a folder holding the root: only recursive operations reach it).
 * Names compare case-insensitively: on a case-insensitive filesystem `memory.MD` is MEMORY.md.
 */
export function reach(path: string, root: MemoryRoot): "inside" | "ancestor" | undefined {
  const p = segments(path);
  const n = Math.min(p.length, root.length);
  for (let i = 0; i < n; i++) {
    const seg = p[i] as string;
    if (seg === "**") return "inside";
    if (!sameName(seg, root[i] as string)) return undefined;
  }
  return p.length >= root.length ? "inside" : "ancestor";
}

/** The closest relation of `path` to any root: inside beats ancestor. */
export function reachAny(path: string, roots: readonly MemoryRoot[]): "inside" | "ancestor" | undefined {
  let best: "ancestor" | undefined;
  for (const root of roots) {
    const r = reach(path, root);
    if (r === "inside") return r;
    if (r === "ancestor") best = r;
  }
  return best;
}
