// The coordinator's long-running side in a gateway: admin bots, instance heartbeat, checkpoint posting,
// and the health report. Started and stopped by the registered service, never by register().
import type { AuditEntry } from "../audit/record.ts";
import type { AuditStatus } from "../audit/log.ts";
import { verifyAuditDir } from "../audit/verify.ts";
import type { Config } from "../config/schema.ts";
import { heartbeatInstance, listInstances } from "../state/instances.ts";
import type { StateStore } from "../state/store.ts";
import { type KillSwitchState, readKillSwitch } from "../state/killswitch.ts";
import type { PendingEscalations } from "../approvals/pending.ts";
import type { Broker } from "../approvals/broker.ts";
import { createGrants } from "../approvals/grants.ts";
import { approvalCard, createClickHandler, outcomeText, supervisorChats } from "../approvals/clicks.ts";
import type { ApprovalClickHandler, PostedCard } from "../approvals/types.ts";
import { type AdminChat, type AdminDeps, createAdminHandler } from "./core.ts";
import { collectHealth, type HealthReport } from "./health.ts";
import type { AdminBot, AdminHandler, AdminLog, AdminPlatform } from "./types.ts";

export type RuntimeOptions = {
  config: Config;
  policyHash: string;
  store: StateStore;
  instanceId: string;
  log: AdminLog;
  pending: PendingEscalations;
  audit?: { status(): AuditStatus; event(entry: AuditEntry): Promise<unknown> } | undefined;
  /** Builds the configured admin bots around the handlers (the adapters live outside src/admin). */
  createBots: (handler: AdminHandler, onApprovalClick?: ApprovalClickHandler) => AdminBot[];
  /** The escalation broker: this runtime's bots post its cards, take the clicks, and expire what is left behind. */
  broker?: Broker | undefined;
  /** How often pending escalations are looked up to post, update and sweep. */
  approvalPollMs?: number;
  heartbeatMs?: number;
  checkpointPollMs?: number;
  /** How often the kill switch is read to audit changes made elsewhere (CLI, other gateways). */
  observeMs?: number;
  /** Lease on each admin bot's poller: one gateway per platform polls, the others stand by (Telegram allows one poller per token). */
  botLeaseMs?: number;
};

export type CoordinatorRuntime = {
  readonly deps: AdminDeps;
  readonly handler: AdminHandler;
  health(): Promise<HealthReport>;
  bots(): readonly AdminBot[];
  start(): Promise<void>;
  stop(): Promise<void>;
};

export function adminChats(config: Config): AdminChat[] {
  const chats: AdminChat[] = [];
  const t = config.admin.telegram;
  if (t) chats.push({ platform: "telegram", chatId: t.chatId, operators: t.operators });
  const d = config.admin.discord;
  if (d) chats.push({ platform: "discord", guildId: d.guildId, channelId: d.channelId, operators: d.operators });
  return chats;
}

export function createCoordinatorRuntime(o: RuntimeOptions): CoordinatorRuntime {
  let bots: AdminBot[] = [];
  /** Platforms whose poller another instance holds: platform -> holder. */
  const standby = new Map<AdminPlatform, string>();
  const timers: NodeJS.Timeout[] = [];
  let running = false;
  const health = () =>
    collectHealth({
      instanceId: o.instanceId,
      policyHash: o.policyHash,
      store: o.store,
      audit: o.audit ? () => (o.audit as NonNullable<RuntimeOptions["audit"]>).status() : undefined,
      bots: () => [
        ...bots.map((b) => b.status()),
        ...[...standby].map(([platform, holder]) => ({ platform, connected: false, standbyFor: holder })),
      ],
      instances: () => listInstances(o.store),
      credentials: o.config.credentials,
    });
  const deps: AdminDeps = {
    store: o.store,
    instanceId: o.instanceId,
    policyHash: o.policyHash,
    chats: adminChats(o.config),
    maxMessageAgeMs: o.config.admin.maxMessageAgeSeconds * 1000,
    record: async (entry) => {
      if (!o.audit) return undefined;
      return o.audit.event(entry);
    },
    health,
    verifyAudit: async () => {
      if (!o.audit) return { ok: false, text: "Auditing is off (audit.enabled false): nothing to verify." };
      const r = await verifyAuditDir(o.audit.status().dir);
      if (r.ok) return { ok: true, text: `Audit trail OK: ${r.records} records in ${r.files} file(s), ${r.checkpoints} checkpoint(s), last hash ${r.lastHash.slice(0, 16)}.` };
      const b = r.break;
      return { ok: false, text: `Audit trail BROKEN at ${b?.file ?? "?"} line ${b?.line ?? "?"} (seq ${b?.seq ?? "?"}): ${b?.problem ?? "unknown"}. Run otheru-coordinator audit verify on the host.` };
    },
    pending: () => o.pending.list(),
    grants: () => createGrants(o.store).list(),
    onStop: () => {
      void o.broker?.cancelLocal({ via: "system" }, "emergency stop engaged").catch(() => undefined);
    },
    log: o.log,
  };
  const handler = createAdminHandler(deps);
  const chatsForApprovals = supervisorChats(o.config);
  const onApprovalClick: ApprovalClickHandler | undefined = o.broker
    ? createClickHandler({ broker: o.broker, chats: chatsForApprovals, record: deps.record, log: o.log })
    : undefined;

  // Cards this instance posted, by escalation id, until their outcome is written into them.
  const cards = new Map<string, PostedCard[]>();
  let tendingApprovals = false;
  async function tendApprovals(): Promise<void> {
    const broker = o.broker;
    if (!broker || tendingApprovals || !running) return;
    tendingApprovals = true;
    try {
      await broker.sweep();
      for (const e of bots.length > 0 ? await broker.listPending() : []) {
        for (const bot of bots) {
          const chat = chatsForApprovals.find((c) => c.platform === bot.platform);
          if (!chat || !bot.status().connected) continue;
          const ttl = Math.max(1_000, Date.parse(e.expiresAt) - Date.now() + 60_000);
          if (!(await broker.claimPost(e.id, bot.platform, ttl))) continue;
          const target = chat.platform === "telegram" ? { chatId: chat.chatId, topicId: chat.topicId } : { chatId: chat.channelId };
          try {
            const posted = await bot.postApproval(approvalCard(e, target));
            cards.set(e.id, [...(cards.get(e.id) ?? []), posted]);
            await broker.saveCard(e.id, bot.platform, posted);
            await deps.record({ kind: "escalation", action: "posted", id: e.id, platform: bot.platform, chatId: posted.chatId, messageId: posted.messageId });
          } catch (err) {
            // Not lost: the next round posts it again (from this or another instance).
            await broker.releasePost(e.id, bot.platform).catch(() => undefined);
            o.log.warn(`otheru-coordinator: could not post escalation ${e.id} to ${bot.platform}: ${(err as Error).message}`);
          }
        }
      }
      for (const [id, posted] of cards) {
        const found = await broker.get(id);
        if (found && !found.outcome) continue;
        const text = found?.outcome ? `${approvalCard(found.escalation).text}\n\nOutcome: ${outcomeText(found.outcome)}` : "This escalation is no longer known; the call was not approved.";
        const left: PostedCard[] = [];
        for (const card of posted) {
          const bot = bots.find((b) => b.platform === card.platform);
          if (!bot) continue;
          await bot.updateApproval(card, text).catch((err: unknown) => {
            left.push(card);
            o.log.warn(`otheru-coordinator: could not update the ${card.platform} card of escalation ${id}: ${(err as Error).message}`);
          });
        }
        if (left.length > 0) cards.set(id, left);
        else cards.delete(id);
      }
    } catch (err) {
      o.log.warn(`otheru-coordinator: escalation upkeep failed: ${(err as Error).message}`);
    } finally {
      tendingApprovals = false;
    }
  }

  async function beat(): Promise<void> {
    try {
      await heartbeatInstance(o.store, o.instanceId, (o.heartbeatMs ?? 30_000) * 3);
    } catch (err) {
      o.log.warn(`otheru-coordinator: instance heartbeat failed: ${(err as Error).message}`);
    }
  }

  // Changes made by the CLI or another gateway are recorded by every gateway that sees them.
  let lastSeenAt: string | undefined;
  async function observe(): Promise<void> {
    let ks: KillSwitchState;
    try {
      ks = await readKillSwitch(o.store);
    } catch {
      return; // Health and every blocked call already report the store being down.
    }
    const first = lastSeenAt === undefined;
    if (ks.at === lastSeenAt) return;
    lastSeenAt = ks.at;
    if (ks.instance === o.instanceId || (first && !ks.engaged)) return;
    await deps
      .record({ kind: "admin", action: ks.engaged ? "stop-observed" : "resume-observed", by: ks.by, via: ks.via, at: ks.at, reason: ks.reason ?? null, writer: ks.instance })
      .catch((err: unknown) => o.log.error(`otheru-coordinator: could not audit an observed emergency-stop change: ${(err as Error).message}`));
    if (ks.engaged) {
      o.log.warn(`otheru-coordinator: EMERGENCY STOP engaged by ${ks.by} via ${ks.via}: every tool call is blocked`);
      await o.broker?.cancelLocal({ via: "system" }, "emergency stop engaged").catch(() => undefined);
    }
  }

  // One poller per platform across the instances sharing the store; a lost lease stops the local bot.
  let tending = false;
  async function tendBots(): Promise<void> {
    if (tending || !running) return;
    tending = true;
    try {
      const platforms = adminChats(o.config).map((c) => c.platform);
      for (const platform of platforms) {
        const mine = bots.find((b) => b.platform === platform);
        let held: boolean;
        try {
          held = await o.store.lease(`admin-bot:${platform}`, o.instanceId, o.botLeaseMs ?? 30_000);
        } catch {
          held = mine !== undefined; // Store blip: keep whatever runs now; calls are blocked meanwhile anyway.
        }
        if (held && !mine) {
          standby.delete(platform);
          const bot = o.createBots(handler, onApprovalClick).find((b) => b.platform === platform);
          if (!bot) continue;
          bots.push(bot);
          await bot.start();
          const st = bot.status();
          if (!st.connected) o.log.error(`otheru-coordinator: admin bot ${platform} is not connected: ${st.error ?? "unknown reason"} (see GET /dependencies/health)`);
        } else if (!held) {
          if (mine) {
            bots = bots.filter((b) => b !== mine);
            await mine.stop().catch(() => undefined);
            o.log.warn(`otheru-coordinator: admin bot ${platform} handed over to another instance`);
          }
          const holder = await o.store.holder(`admin-bot:${platform}`).catch(() => undefined);
          standby.set(platform, holder ?? "another instance");
        }
      }
    } finally {
      tending = false;
    }
  }

  let lastPostedSeq: number | undefined;
  async function postCheckpoint(): Promise<void> {
    const cp = o.audit?.status().lastCheckpoint;
    if (!cp || cp.seq === lastPostedSeq) return;
    lastPostedSeq = cp.seq;
    const text = `Audit checkpoint #${cp.seq} at ${cp.time}\nhash ${cp.hash}\ninstance ${o.instanceId}\n(keep this: otheru-coordinator audit verify DIR --checkpoint ${cp.hash})`;
    await Promise.all(
      bots.map((b) =>
        b.post(text).catch((err: unknown) => o.log.warn(`otheru-coordinator: could not post the audit checkpoint to ${b.platform}: ${(err as Error).message}`)),
      ),
    );
  }

  return {
    deps,
    handler,
    health,
    bots: () => bots,
    async start() {
      if (running) return;
      running = true;
      await tendBots();
      const lease = setInterval(() => void tendBots(), Math.max(50, Math.floor((o.botLeaseMs ?? 30_000) / 3)));
      lease.unref();
      timers.push(lease);
      await beat();
      const hb = setInterval(() => void beat(), o.heartbeatMs ?? 30_000);
      hb.unref();
      timers.push(hb);
      await observe();
      const ob = setInterval(() => void observe(), o.observeMs ?? 2_000);
      ob.unref();
      timers.push(ob);
      if (o.broker) {
        await tendApprovals();
        const ap = setInterval(() => void tendApprovals(), o.approvalPollMs ?? 1_000);
        ap.unref();
        timers.push(ap);
      }
      if (o.config.admin.postCheckpoints && adminChats(o.config).length > 0 && o.audit) {
        lastPostedSeq = o.audit.status().lastCheckpoint?.seq;
        const cp = setInterval(() => void postCheckpoint(), o.checkpointPollMs ?? 5_000);
        cp.unref();
        timers.push(cp);
      }
    },
    async stop() {
      running = false;
      for (const t of timers.splice(0)) clearInterval(t);
      await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
      bots = [];
      standby.clear();
    },
  };
}
