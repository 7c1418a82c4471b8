// Escalations waiting for a decision in this instance (today: OpenClaw approvals raised by the hook), for /pending and /status.
import { randomBytes } from "node:crypto";
import type { PendingEscalation } from "../admin/core.ts";

const MAX = 1_000;

export type PendingEscalations = {
  add(entry: { tool: string; ruleIds: readonly string[]; sessionKey?: string | undefined; timeoutMs: number }): string;
  resolve(id: string): void;
  list(): PendingEscalation[];
};

export function createPendingEscalations(now: () => number = Date.now): PendingEscalations {
  const open = new Map<string, PendingEscalation & { expiresMs: number }>();
  const prune = () => {
    const t = now();
    for (const [id, p] of open) if (p.expiresMs <= t) open.delete(id);
  };
  return {
    add(entry) {
      prune();
      if (open.size >= MAX) open.delete(open.keys().next().value as string);
      const id = randomBytes(6).toString("base64url");
      const created = now();
      open.set(id, {
        id,
        tool: entry.tool,
        ruleIds: [...entry.ruleIds],
        sessionKey: entry.sessionKey,
        createdAt: new Date(created).toISOString(),
        expiresAt: new Date(created + entry.timeoutMs).toISOString(),
        expiresMs: created + entry.timeoutMs,
      });
      return id;
    },
    resolve(id) {
      open.delete(id);
    },
    list() {
      prune();
      return [...open.values()].map(({ expiresMs: _e, ...p }) => p);
    },
  };
}
