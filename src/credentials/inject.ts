// The exec env overrides for one call: scoped values for a command its scope covers (gateway host only), blanks for
// every other credential the gateway process itself exports. No value ever leaves this module except in the override.
import type { PathEnv } from "../patterns/types.ts";
import { type CredentialScope, credentialsFor, ENV_TOOL } from "./scope.ts";

export type DecisionKind = "allow" | "escalate" | "block";

export type CredentialInjector = {
  /** resolve_exec_env: OpenClaw resolved the host of an exec in this session (it runs just before that call's before_tool_call). */
  noteHost(sessionKey: string | undefined, host: unknown): void;
  /** The env overrides for this call (undefined: leave the call as it is). Injects only into allowed calls. */
  envFor(call: { tool: string; params: unknown; decision: DecisionKind; sessionKey?: string | undefined }): Record<string, string> | undefined;
};

/** How long a noted host may wait for its call's before_tool_call. */
const HOST_TTL_MS = 60_000;
const MAX_NOTED_PER_SESSION = 16;
const MAX_SESSIONS = 1_000;

export type InjectorOptions = {
  scopes: readonly CredentialScope[];
  values: ReadonlyMap<string, string>;
  /** The gateway's environment, read per call: a name set there reaches every child unless blanked. */
  processEnv: Readonly<Record<string, string | undefined>>;
  pathEnv: PathEnv;
  now?: () => number;
};

export function createCredentialInjector(o: InjectorOptions): CredentialInjector {
  const now = o.now ?? Date.now;
  /** Per session, the hosts of execs prepared but not yet decided, oldest first. */
  const noted = new Map<string, { host: string; at: number }[]>();

  /**
   * The host this call runs on, as far as it can be known: each exec's resolve_exec_env notes its host, and the
   * matching before_tool_call takes one note. Only when every pending note of the session says gateway is the
   * answer "gateway" (parallel calls on different hosts, a missing or stale note: not proven, so no injection).
   */
  function takeHost(sessionKey: string | undefined): string | undefined {
    if (sessionKey === undefined) return undefined;
    const list = noted.get(sessionKey);
    if (!list) return undefined;
    const fresh = list.filter((n) => now() - n.at <= HOST_TTL_MS);
    const all = fresh.length > 0 && fresh.every((n) => n.host === "gateway");
    fresh.shift();
    if (fresh.length === 0) noted.delete(sessionKey);
    else noted.set(sessionKey, fresh);
    return all ? "gateway" : undefined;
  }

  return {
    noteHost(sessionKey, host) {
      if (sessionKey === undefined || typeof host !== "string") return;
      const list = noted.get(sessionKey) ?? [];
      list.push({ host, at: now() });
      if (list.length > MAX_NOTED_PER_SESSION) list.shift();
      noted.delete(sessionKey);
      noted.set(sessionKey, list);
      if (noted.size > MAX_SESSIONS) noted.delete(noted.keys().next().value as string);
    },
    envFor(call) {
      if (o.scopes.length === 0 || call.tool.toLowerCase() !== ENV_TOOL) return undefined;
      const host = takeHost(call.sessionKey);
      if (call.decision === "block") return undefined;
      const params = call.params;
      if (params === null || typeof params !== "object" || Array.isArray(params)) return undefined;
      const p = params as Record<string, unknown>;
      const out: Record<string, string> = {};
      for (const s of o.scopes) if (o.processEnv[s.name] !== undefined) out[s.name] = "";
      const onGateway = host === "gateway" && (p.host === undefined || p.host === "auto" || p.host === "gateway") && p.node === undefined;
      if (call.decision === "allow" && onGateway) {
        for (const name of credentialsFor(call.tool, p, o.scopes, o.pathEnv)) {
          const value = o.values.get(name);
          if (value !== undefined) out[name] = value;
        }
      }
      return Object.keys(out).length > 0 ? out : undefined;
    },
  };
}

/** The call's params with `env` overrides merged over any env the call already sets. */
export function withEnv(params: unknown, env: Readonly<Record<string, string>>): Record<string, unknown> {
  const p = params !== null && typeof params === "object" && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
  const current = p.env !== null && typeof p.env === "object" && !Array.isArray(p.env) ? (p.env as Record<string, unknown>) : {};
  return { ...p, env: { ...current, ...env } };
}
