// Standing grants: an OpenClaw "allow-always" answer, remembered by us (OpenClaw does not persist it) and scoped
// to (channel, agent, tool, argument fingerprint) so it never covers a different call. Listed in /status, revocable.
import { createHash } from "node:crypto";
import { canonicalJson } from "../config/canonical.ts";
import type { CallContext } from "../policy/types.ts";
import type { StateStore } from "../state/store.ts";

const INDEX = "grants:index";
const MAX_GRANTS = 500;

export type Grant = {
  id: string;
  channel: string;
  agentId: string;
  tool: string;
  /** sha256 of the arguments' canonical JSON: only the very same arguments are covered. */
  fingerprint: string;
  /** A redacted, bounded summary of the arguments, for people reading the list. */
  argsSummary: string;
  grantedAt: string;
  sessionKey?: string | undefined;
};

function scopeOf(ctx: CallContext): { channel: string; agentId: string } {
  return { channel: ctx.conversation ?? ctx.channel ?? "unknown", agentId: ctx.agentId ?? "unknown" };
}

export function argumentFingerprint(params: unknown): string {
  let text: string;
  try {
    text = canonicalJson(params ?? {});
  } catch {
    text = `unserialisable:${String(params)}`;
  }
  return createHash("sha256").update(text).digest("hex");
}

export function grantId(ctx: CallContext, tool: string, params: unknown): string {
  const s = scopeOf(ctx);
  return createHash("sha256").update(`${s.channel}\u0000${s.agentId}\u0000${tool}\u0000${argumentFingerprint(params)}`).digest("base64url").slice(0, 22);
}

export type Grants = {
  /** The grant covering exactly this call, if one is recorded and listed. */
  find(ctx: CallContext, tool: string, params: unknown): Promise<Grant | undefined>;
  add(ctx: CallContext, tool: string, params: unknown, argsSummary: string): Promise<Grant>;
  list(): Promise<Grant[]>;
  revoke(id: string): Promise<boolean>;
};

export function createGrants(store: StateStore, now: () => number = Date.now): Grants {
  const readIndex = async (): Promise<string[]> => {
    const ids = await store.get<string[]>(INDEX);
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
  };
  return {
    async find(ctx, tool, params) {
      const id = grantId(ctx, tool, params);
      const g = await store.get<Grant>(`grant:${id}`);
      // A grant counts only while it is listed: one lost from the list (a concurrent write) is void, never invisible.
      if (!g || g.id !== id || !(await readIndex()).includes(id)) return undefined;
      return g;
    },
    async add(ctx, tool, params, argsSummary) {
      const s = scopeOf(ctx);
      const id = grantId(ctx, tool, params);
      const grant: Grant = { id, ...s, tool, fingerprint: argumentFingerprint(params), argsSummary, grantedAt: new Date(now()).toISOString(), sessionKey: ctx.sessionKey };
      const ids = await readIndex();
      if (!ids.includes(id) && ids.length >= MAX_GRANTS) throw new Error(`there are already ${MAX_GRANTS} standing grants; revoke some (otheru-coordinator approvals revoke ID)`);
      await store.set(`grant:${id}`, grant);
      if (!ids.includes(id)) await store.set(INDEX, [...ids, id]);
      return grant;
    },
    async list() {
      const out: Grant[] = [];
      for (const id of await readIndex()) {
        const g = await store.get<Grant>(`grant:${id}`);
        if (g && g.id === id) out.push(g);
      }
      return out;
    },
    async revoke(id) {
      const ids = await readIndex();
      const had = ids.includes(id);
      if (had) await store.set(INDEX, ids.filter((x) => x !== id));
      const deleted = await store.delete(`grant:${id}`);
      return had || deleted;
    },
  };
}
