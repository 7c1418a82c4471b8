// Audit-trail measurements for npm run bench: durable append throughput against a bare write+fsync of the same
// bytes, verify throughput against hashing the same files, and the latency the audit adds on the allow path.
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditLog } from "../../src/audit/log.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createGate } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";
import { BENCH_CONFIG, benchCorpus } from "./corpus.ts";

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function percentiles(samples: number[]): { p50Us: number; p99Us: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  return { p50Us: round(at(50) / 1000), p99Us: round(at(99) / 1000) };
}

export async function auditBench(records: number, concurrency: number): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), "oc-audit-bench-"));
  try {
    // 1. Durable appends, `concurrency` in flight (group commit), against the same bytes written + fsync'd in the same batches.
    const dir = join(root, "log");
    const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
    const corpus = benchCorpus(records);
    let t = process.hrtime.bigint();
    for (let i = 0; i < corpus.length; i += concurrency) {
      await Promise.all(corpus.slice(i, i + concurrency).map((c, k) => log.append({ kind: "call.before", seq0: i + k, tool: c.tool, args: c.params, sessionKey: c.sessionKey, decision: "allow", ruleIds: [] })));
    }
    const appendSec = Number(process.hrtime.bigint() - t) / 1e9;
    await log.close();
    const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
    const bytes = files.map((f) => readFileSync(join(dir, f)));
    const lines = bytes.flatMap((b) => b.toString("utf8").split("\n").filter(Boolean).map((l) => `${l}\n`));
    const raw = openSync(join(root, "raw.jsonl"), "a");
    t = process.hrtime.bigint();
    for (let i = 0; i < lines.length; i += concurrency) {
      writeSync(raw, lines.slice(i, i + concurrency).join(""));
      fsyncSync(raw);
    }
    const rawSec = Number(process.hrtime.bigint() - t) / 1e9;
    closeSync(raw);
    // 2. Verify against hashing the same bytes.
    t = process.hrtime.bigint();
    const v = await verifyAuditDir(dir);
    const verifySec = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    for (const b of bytes) createHash("sha256").update(b).digest("hex");
    for (const l of lines) createHash("sha256").update(l).digest("hex");
    const hashSec = Number(process.hrtime.bigint() - t) / 1e9;
    const mb = bytes.reduce((a, b) => a + b.length, 0) / 1e6;
    // 3. Latency the audit adds on the decision path (sequential calls, so each waits for its own fsync).
    const loaded = parseConfig(BENCH_CONFIG, {});
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const plain = createGate(loaded.value, fixedLayout());
    const audited = createGate(loaded.value, fixedLayout({ stateDir: root }), { audit: { dir: join(root, "gate") } });
    const sample = benchCorpus(2000);
    const plainNs: number[] = [];
    const auditedNs: number[] = [];
    for (const c of sample) {
      let s = process.hrtime.bigint();
      await plain.decide(c);
      plainNs.push(Number(process.hrtime.bigint() - s));
      s = process.hrtime.bigint();
      await audited.decide(c);
      auditedNs.push(Number(process.hrtime.bigint() - s));
    }
    await audited.audit?.close();
    return {
      records,
      concurrency,
      appendRecordsPerSec: Math.round(records / appendSec),
      rawWriteFsyncRecordsPerSec: Math.round(lines.length / rawSec),
      appendVsRaw: round(rawSec / appendSec, 2),
      verifyOk: v.ok,
      verifyMBps: round(mb / verifySec),
      hashOnlyMBps: round(mb / hashSec),
      verifyVsHash: round(hashSec / verifySec, 2),
      decisionWithoutAudit: percentiles(plainNs),
      decisionWithAudit: percentiles(auditedNs),
      note: "append = createAuditLog().append with `concurrency` in flight (group commit: one write+fsync per batch); raw = the same bytes written and fsync'd in the same batches; verify = verifyAuditDir; hash = sha256 of the same bytes per file and per line",
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
