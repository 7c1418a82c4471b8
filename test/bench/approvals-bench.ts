// npm run bench, `approvals` key: the escalation broker's own overhead without the human wait — create the record,
// write the outcome (first-wins claim), the waiting call learns it, and the audit events are durable — with the
// embedded store and a real redis-server, beside a bare store write of the same record (same run, interleaved).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBroker, type EscalationInput } from "../../src/approvals/broker.ts";
import { createAuditTrail } from "../../src/audit/trail.ts";
import { openStateStore, type StoreSettings } from "../../src/state/store.ts";
import { startRedis } from "../redis-server.ts";
import { escalationInput } from "../helpers.ts";

type BrokerFigures = { escalations: number; brokerP50Us: number; brokerP99Us: number; storeSetP50Us: number; ratioP50: number };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0);
}

const INPUT: EscalationInput = escalationInput();

async function measure(settings: StoreSettings, rounds: number, auditDir: string): Promise<BrokerFigures> {
  const store = openStateStore(settings);
  const trail = createAuditTrail({ dir: auditDir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0, secretValues: [], redactionKeyPath: join(auditDir, "redaction.key"), policyHash: "bench" });
  const pending: Promise<unknown>[] = [];
  const broker = createBroker({
    store,
    instanceId: "bench:1:broker",
    record: (e) => {
      const p = trail.event(e);
      pending.push(p);
      return p;
    },
    log: { warn: () => undefined, error: () => undefined },
  });
  const brokerUs: number[] = [];
  const setUs: number[] = [];
  for (let i = 0; i < rounds + 20; i++) {
    const t0 = process.hrtime.bigint();
    const e = await broker.create(INPUT, 60_000);
    const waiting = broker.wait(e.id);
    await broker.decide(e.id, "approved", { via: "telegram", userId: "7" });
    await waiting;
    await Promise.all(pending.splice(0));
    const t1 = process.hrtime.bigint();
    await store.set(`bench:${i}`, e, 60_000);
    const t2 = process.hrtime.bigint();
    if (i >= 20) {
      brokerUs.push(Number(t1 - t0) / 1000);
      setUs.push(Number(t2 - t1) / 1000);
    }
  }
  broker.close();
  await store.close();
  const b50 = pct(brokerUs, 50);
  const s50 = pct(setUs, 50);
  return { escalations: rounds, brokerP50Us: b50, brokerP99Us: pct(brokerUs, 99), storeSetP50Us: s50, ratioP50: Math.round((b50 / Math.max(1, s50)) * 10) / 10 };
}

export async function approvalsBench(rounds: number): Promise<{ embedded: BrokerFigures; redis: BrokerFigures; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), "otheru-bench-approvals-"));
  const redis = await startRedis();
  try {
    const embedded = await measure({ kind: "sqlite", path: join(dir, "state.sqlite"), timeoutMs: 1000, namespace: "bench" }, rounds, join(dir, "audit-sqlite"));
    const shared = await measure({ kind: "redis", url: redis.url, timeoutMs: 1000, namespace: "bench" }, rounds, join(dir, "audit-redis"));
    return {
      embedded,
      redis: shared,
      note: "broker = create (record + index) + wait + decide (first-wins claim) + the waiter resolved + every audit event of it durable (fsync'd), per escalation, sequential; storeSet = one store.set of the same record; no human or model wait",
    };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
