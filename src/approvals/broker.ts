// The escalation broker: one record per escalated call in the shared state store, one single-use outcome
// per record (first writer wins across every instance sharing the store), expiry as denial, and waiting.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { AuditEntry } from "../audit/record.ts";
import type { StateStore } from "../state/store.ts";
import { heartbeatInstance } from "../state/instances.ts";
import type { Decider, Escalation, EscalationOutcome } from "./types.ts";

/** Ids are 16 base64url chars (96 random bits): unguessable, and short enough for Telegram's 64-byte callback data. */
export const ESCALATION_ID = /^[A-Za-z0-9_-]{16}$/;
/** How long decided records stay readable (for late clicks and `approvals list`). */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** Ids one instance keeps in its index; beyond it new escalations are denied at once (fail closed). */
const DEFAULT_MAX_PENDING = 500;

const K = {
  record: (id: string) => `esc:${id}`,
  outcome: (id: string) => `esc:${id}:outcome`,
  index: (instance: string) => `esc:index:${instance}`,
  posted: (id: string, platform: string) => `esc:${id}:posted:${platform}`,
  card: (id: string, platform: string) => `esc:${id}:card:${platform}`,
};
/** The instances index written by src/state/instances.ts heartbeats (live or not). */
const INSTANCES = "instances";

export type EscalationInput = Omit<Escalation, "id" | "instanceId" | "createdAt" | "expiresAt">;

export type DecideResult =
  | { ok: true; won: true; outcome: EscalationOutcome; escalation: Escalation }
  | { ok: true; won: false; outcome: EscalationOutcome; escalation: Escalation }
  | { ok: false; error: "unknown" };

export type BrokerOptions = {
  store: StateStore;
  instanceId: string;
  /** Audit events (the trail's event()); a failure is logged, never hidden. */
  record: (entry: AuditEntry) => Promise<unknown>;
  log: { warn(msg: string): void; error(msg: string): void };
  now?: () => number;
  /** How often a waiting call reads the store for a decision made by another instance. */
  pollMs?: number;
  maxPending?: number;
};

export type Broker = {
  readonly instanceId: string;
  /**
   * Stores the record and, unless `listed` is false, lists it in this instance's index of open escalations (what
   * sweeps, the bots and `approvals list` read). Unlisted: the caller decides it at once (the supervisor model
   * settled it), so nobody else can or needs to find it; it is still recorded, audited and decided first-wins.
   */
  create(input: EscalationInput, timeoutMs: number, options?: { listed?: boolean }): Promise<Escalation>;
  /** Writes the outcome unless one exists; the first writer wins and every later attempt gets the winner. */
  decide(id: string, state: EscalationOutcome["state"], by: Decider, note?: string): Promise<DecideResult>;
  /** Resolves with the outcome: a decision (here or in another instance), expiry, or cancellation. Never rejects. */
  wait(id: string): Promise<EscalationOutcome>;
  get(id: string): Promise<{ escalation: Escalation; outcome: EscalationOutcome | undefined } | undefined>;
  /** Every escalation still waiting, across the instances sharing the store, oldest first. */
  listPending(): Promise<Escalation[]>;
  /** Escalations decided recently by anyone (for cards to update), newest last; bounded. */
  listRecent(limit?: number): Promise<Array<{ escalation: Escalation; outcome: EscalationOutcome | undefined }>>;
  /** Cancels every escalation this instance is waiting on (the emergency stop); returns how many. */
  cancelLocal(by: Decider, note: string): Promise<number>;
  /** Expires what is past due or whose waiting gateway is gone; returns how many it resolved. */
  sweep(): Promise<number>;
  /** Card bookkeeping for the supervisor bots: claim the right to post (once per platform), remember where it went. */
  claimPost(id: string, platform: string, ttlMs: number): Promise<boolean>;
  releasePost(id: string, platform: string): Promise<void>;
  saveCard(id: string, platform: string, card: unknown): Promise<void>;
  loadCard(id: string, platform: string): Promise<unknown>;
  /** Local listeners: called after this instance learns an outcome (decided here, or seen by a waiter). */
  onOutcome(listener: (escalation: Escalation, outcome: EscalationOutcome) => void): () => void;
  readonly waiting: number;
  close(): void;
};

function isEscalation(v: unknown): v is Escalation {
  if (v === null || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return typeof e.id === "string" && typeof e.tool === "string" && typeof e.expiresAt === "string" && typeof e.instanceId === "string" && Array.isArray(e.ruleIds);
}

function parseOutcome(raw: string | undefined): EscalationOutcome | undefined {
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as EscalationOutcome;
    if (o && typeof o === "object" && typeof o.state === "string" && typeof o.at === "string" && o.by && typeof o.by.via === "string") return o;
  } catch {
    // fall through
  }
  // An outcome key that holds garbage still means "decided": treat it as a denial (never as "pending" or "approved").
  return { state: "denied", by: { via: "system" }, at: new Date(0).toISOString(), note: "the stored outcome is malformed" };
}

/** Is the instance that created an escalation gone? Same host: its pid is not running. Else: its heartbeat expired. */
async function instanceGone(store: StateStore, instanceId: string): Promise<boolean> {
  const [host, pid] = instanceId.split(":");
  if (host === hostname() && pid !== undefined && /^[0-9]+$/.test(pid)) {
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") return true;
    }
  }
  return (await store.get(`instance:${instanceId}`)) === undefined;
}

export function createBroker(o: BrokerOptions): Broker {
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 250;
  const maxPending = o.maxPending ?? DEFAULT_MAX_PENDING;
  const local = new Map<string, { escalation: Escalation; resolve: (out: EscalationOutcome) => void; timers: NodeJS.Timeout[] }>();
  const listeners = new Set<(escalation: Escalation, outcome: EscalationOutcome) => void>();
  let closed = false;
  /** Listed in the instances index before its first escalation, so every instance finds its index (heartbeats keep it). */
  let announced = false;

  // The index of this instance's ids is read-modify-written only by this instance, one change at a time.
  let indexChain: Promise<unknown> = Promise.resolve();
  function changeIndex(change: (ids: string[]) => string[]): Promise<void> {
    const next = indexChain.then(async () => {
      const ids = (await o.store.get<string[]>(K.index(o.instanceId))) ?? [];
      await o.store.set(K.index(o.instanceId), change(Array.isArray(ids) ? ids : []), KEEP_MS);
    });
    indexChain = next.catch(() => undefined);
    return next;
  }

  const audit = (entry: AuditEntry): void => {
    void o.record(entry).catch((err: unknown) => o.log.error(`otheru-coordinator: could not audit ${String(entry.action ?? entry.kind)}: ${(err as Error).message}`));
  };

  function announce(escalation: Escalation, outcome: EscalationOutcome): void {
    const w = local.get(escalation.id);
    if (w) {
      local.delete(escalation.id);
      for (const t of w.timers) clearTimeout(t);
      w.resolve(outcome);
      void changeIndex((ids) => ids.filter((x) => x !== escalation.id)).catch(() => undefined);
    }
    for (const l of listeners) {
      try {
        l(escalation, outcome);
      } catch (err) {
        o.log.error(`otheru-coordinator: an escalation listener failed: ${(err as Error).message}`);
      }
    }
  }

  async function get(id: string): Promise<{ escalation: Escalation; outcome: EscalationOutcome | undefined } | undefined> {
    if (!ESCALATION_ID.test(id)) return undefined;
    const escalation = await o.store.get<unknown>(K.record(id));
    if (!isEscalation(escalation)) return undefined;
    return { escalation, outcome: parseOutcome(await o.store.holder(K.outcome(id))) };
  }

  async function decide(id: string, state: EscalationOutcome["state"], by: Decider, note?: string): Promise<DecideResult> {
    const found = await get(id);
    if (!found) return { ok: false, error: "unknown" };
    if (found.outcome) return { ok: true, won: false, outcome: found.outcome, escalation: found.escalation };
    const outcome: EscalationOutcome = { state, by, at: new Date(now()).toISOString(), ...(note ? { note } : {}) };
    const won = await o.store.claim(K.outcome(id), JSON.stringify(outcome), KEEP_MS);
    if (!won) {
      const winner = parseOutcome(await o.store.holder(K.outcome(id))) ?? { state: "denied", by: { via: "system" }, at: outcome.at, note: "the outcome could not be read back" };
      announce(found.escalation, winner);
      return { ok: true, won: false, outcome: winner, escalation: found.escalation };
    }
    audit({ kind: "escalation", action: "outcome", id, tool: found.escalation.tool, toolCallId: found.escalation.toolCallId ?? null, sessionKey: found.escalation.sessionKey ?? null, state, by: by.via, userId: by.userId ?? null, note: note ?? null });
    announce(found.escalation, outcome);
    return { ok: true, won: true, outcome, escalation: found.escalation };
  }

  async function listIds(): Promise<Array<{ instance: string; ids: string[] }>> {
    const known = (await o.store.get<string[]>(INSTANCES)) ?? [];
    const instances = new Set<string>([o.instanceId, ...(Array.isArray(known) ? known.filter((x): x is string => typeof x === "string") : [])]);
    const out: Array<{ instance: string; ids: string[] }> = [];
    for (const instance of instances) {
      const ids = await o.store.get<string[]>(K.index(instance));
      if (Array.isArray(ids) && ids.length > 0) out.push({ instance, ids: ids.filter((x) => typeof x === "string") });
    }
    return out;
  }

  async function listAll(): Promise<Array<{ escalation: Escalation; outcome: EscalationOutcome | undefined }>> {
    const all: Array<{ escalation: Escalation; outcome: EscalationOutcome | undefined }> = [];
    for (const { ids } of await listIds()) {
      for (const id of ids) {
        const found = await get(id);
        if (found) all.push(found);
      }
    }
    all.sort((a, b) => a.escalation.createdAt.localeCompare(b.escalation.createdAt));
    return all;
  }

  return {
    instanceId: o.instanceId,
    get waiting() {
      return local.size;
    },
    async create(input, timeoutMs, options) {
      if (closed) throw new Error("the escalation broker is closed");
      if (local.size >= maxPending) throw new Error(`too many escalations are waiting (${maxPending}); deny until some are decided`);
      const created = now();
      const escalation: Escalation = {
        ...input,
        id: randomBytes(12).toString("base64url"),
        instanceId: o.instanceId,
        createdAt: new Date(created).toISOString(),
        expiresAt: new Date(created + timeoutMs).toISOString(),
      };
      if (!announced) {
        await heartbeatInstance(o.store, o.instanceId, Math.max(timeoutMs, 90_000));
        announced = true;
      }
      await o.store.set(K.record(escalation.id), escalation, timeoutMs + KEEP_MS);
      if (options?.listed !== false) await changeIndex((ids) => [...ids.slice(-(maxPending * 2 - 1)), escalation.id]);
      audit({
        kind: "escalation",
        action: "created",
        id: escalation.id,
        tool: escalation.tool,
        sessionKey: escalation.sessionKey ?? null,
        toolCallId: escalation.toolCallId ?? null,
        channel: escalation.channel ?? null,
        senderId: escalation.requester.senderId ?? null,
        ruleIds: escalation.ruleIds,
        reason: escalation.reason,
        args: escalation.argsSummary,
        expiresAt: escalation.expiresAt,
      });
      return escalation;
    },
    decide,
    wait(id) {
      return new Promise<EscalationOutcome>((resolve) => {
        void (async () => {
          const found = await get(id).catch(() => undefined);
          if (!found) return resolve({ state: "denied", by: { via: "system" }, at: new Date(now()).toISOString(), note: "the escalation record cannot be read" });
          if (found.outcome) return resolve(found.outcome);
          const timers: NodeJS.Timeout[] = [];
          local.set(id, { escalation: found.escalation, resolve, timers });
          const finishExpired = async (note: string) => {
            let r: DecideResult | undefined;
            try {
              r = await decide(id, "expired", { via: "system" }, note);
            } catch (err) {
              o.log.warn(`otheru-coordinator: escalation ${id} expired but the store did not take it (${(err as Error).message}); denied here`);
            }
            if (local.has(id)) announce(found.escalation, r && r.ok ? r.outcome : { state: "expired", by: { via: "system" }, at: new Date(now()).toISOString(), note: `${note}; the store was unavailable` });
          };
          const left = Date.parse(found.escalation.expiresAt) - now();
          const expiry = setTimeout(() => void finishExpired("no decision before the approval timeout"), Math.max(0, left));
          timers.push(expiry);
          // Decisions made by another instance (a click handled there, the CLI) reach us through the store.
          const poll = async () => {
            if (!local.has(id)) return;
            try {
              const outcome = parseOutcome(await o.store.holder(K.outcome(id)));
              if (outcome) {
                // Decided elsewhere (another gateway, the CLI, which never writes a live log): recorded here too.
                audit({ kind: "escalation", action: "outcome-observed", id, tool: found.escalation.tool, toolCallId: found.escalation.toolCallId ?? null, state: outcome.state, by: outcome.by.via, userId: outcome.by.userId ?? null });
                return announce(found.escalation, outcome);
              }
            } catch {
              // The store is down: keep waiting; expiry denies.
            }
            if (local.has(id)) timers[1] = setTimeout(() => void poll(), pollMs);
          };
          timers[1] = setTimeout(() => void poll(), pollMs);
        })().catch((err: unknown) => resolve({ state: "denied", by: { via: "system" }, at: new Date(now()).toISOString(), note: `waiting failed: ${(err as Error).message}` }));
      });
    },
    get,
    async listPending() {
      return (await listAll()).filter((x) => x.outcome === undefined).map((x) => x.escalation);
    },
    async listRecent(limit = 50) {
      return (await listAll()).slice(-limit);
    },
    async cancelLocal(by, note) {
      let n = 0;
      for (const id of [...local.keys()]) {
        const r = await decide(id, "cancelled", by, note).catch(() => undefined);
        if (r?.ok && r.won) n++;
        else if (local.has(id)) {
          const w = local.get(id);
          if (w) announce(w.escalation, r?.ok ? r.outcome : { state: "cancelled", by, at: new Date(now()).toISOString(), note });
        }
      }
      return n;
    },
    async sweep() {
      let n = 0;
      for (const { instance, ids } of await listIds()) {
        const gone = instance !== o.instanceId && (await instanceGone(o.store, instance));
        let open = 0;
        for (const id of ids) {
          const found = await get(id);
          if (!found || found.outcome) continue;
          const past = Date.parse(found.escalation.expiresAt) <= now();
          if (past || gone) {
            const r = await decide(id, "expired", { via: "system" }, gone ? "the gateway that was waiting for it restarted or went away" : "no decision before the approval timeout");
            if (r.ok && r.won) n++;
          } else open++;
        }
        // A gone instance's index has nobody else to clean it.
        if (gone && open === 0) await o.store.delete(K.index(instance));
      }
      return n;
    },
    async claimPost(id, platform, ttlMs) {
      return o.store.claim(K.posted(id, platform), o.instanceId, ttlMs);
    },
    async releasePost(id, platform) {
      await o.store.release(K.posted(id, platform), o.instanceId);
    },
    async saveCard(id, platform, card) {
      await o.store.set(K.card(id, platform), card, KEEP_MS);
    },
    async loadCard(id, platform) {
      return o.store.get(K.card(id, platform));
    },
    onOutcome(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      for (const [id, w] of local) {
        for (const t of w.timers) clearTimeout(t);
        local.delete(id);
        w.resolve({ state: "cancelled", by: { via: "system" }, at: new Date(now()).toISOString(), note: "the coordinator is shutting down" });
      }
    },
  };
}
