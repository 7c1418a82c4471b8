// Audit-trail measurements for npm run bench: durable append throughput against a bare write+fsync of the same
// bytes, verify throughput against hashing the same files, and the latency the audit adds on the allow path.
import { hash } from "node:crypto";
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditLog } from "../../src/audit/log.ts";
import type { AuditEntry } from "../../src/audit/record.ts";
import { createRedactor, LINT_PREFILTER } from "../../src/audit/redact.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createGate, type GateInput } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";
import { BENCH_CONFIG, benchCorpus } from "./corpus.ts";

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const round2 = (x: number) => round(x, 2);

function percentiles(samples: number[]): { p50Us: number; p99Us: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  return { p50Us: round(at(50) / 1000), p99Us: round(at(99) / 1000) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const secondsSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

/** A call.before record as the trail builds it (keys sorted, the log's fields as placeholders), arguments unredacted. */
function entryFor(c: GateInput, i: number): AuditEntry {
  return {
    agent: null,
    args: c.params,
    channel: c.requester?.channel ?? null,
    chatType: "direct",
    decision: "allow",
    evidence: null,
    hash: "",
    instance: "",
    kind: "call.before",
    latencyUs: 40 + (i % 50),
    prev: "",
    reason: "",
    ruleIds: [],
    runId: null,
    sender: { id: c.requester?.senderId ?? null, owner: c.requester?.senderIsOwner ?? null },
    seq: 0,
    sessionKey: c.sessionKey ?? null,
    time: "",
    tool: c.tool,
    toolCallId: `call-${i}`,
    v: 1,
  };
}

/** Durable appends with `concurrency` in flight (group commit), then the same bytes written + fsync'd in the same batches. */
async function appendRound(root: string, round: number, corpus: GateInput[], concurrency: number): Promise<{ appendSec: number; rawSec: number; commits: number; batches: number; bytes: Buffer[] }> {
  const dir = join(root, `log${round}`);
  const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
  await log.append({ kind: "admin", action: "bench-start" }); // opening (lock, recovery) is not what is measured
  const before = log.status().commits ?? 0;
  let t = process.hrtime.bigint();
  for (let i = 0; i < corpus.length; i += concurrency) {
    const group: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(corpus.length, i + concurrency); k++) group.push(log.append(entryFor(corpus[k] as GateInput, k)));
    await Promise.all(group);
  }
  const appendSec = secondsSince(t);
  const commits = (log.status().commits ?? 0) - before;
  await log.close();
  const bytes = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
  // The measured records' lines (skipping the opening record), cut into the same batches the callers formed.
  const all = Buffer.concat(bytes);
  const ends: number[] = [];
  for (let at = 0; at < all.length; at = (ends.at(-1) as number)) ends.push(all.indexOf(10, at) + 1);
  const first = ends.shift() as number;
  const raw = openSync(join(root, `raw${round}.jsonl`), "a");
  let batches = 0;
  t = process.hrtime.bigint();
  for (let i = 0, from = first; i < ends.length; i += concurrency) {
    const to = ends[Math.min(ends.length, i + concurrency) - 1] as number;
    writeSync(raw, all, from, to - from);
    fsyncSync(raw);
    batches++;
    from = to;
  }
  const rawSec = secondsSince(t);
  closeSync(raw);
  return { appendSec, rawSec, commits, batches, bytes };
}

/**
 * Durable appends from independent callers: `chunk` calls arrive per event-loop turn, at most `concurrency` waiting
 * at once, so records sealed while a batch is being fsync'd form the next batch (group commit as a gateway sees it,
 * where calls do not arrive in lock step). A batch's appends all settle in one run of microtasks after its fsync, so
 * the batches the log formed are those runs; raw = the same bytes written and fsync'd in those same batches.
 */
async function pipelinedRound(root: string, round: number, corpus: GateInput[], concurrency: number, chunk: number): Promise<{ appendSec: number; rawSec: number; commits: number; batches: number }> {
  const dir = join(root, `pipe${round}`);
  const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
  await log.append({ kind: "admin", action: "bench-start" });
  const before = log.status().commits ?? 0;
  const batchOf = new Array<number>(corpus.length);
  let batch = 0;
  let settling = false;
  const settled = (): void => {
    if (settling) return;
    settling = true;
    batch++;
    // queued after the settlements already queued: the rest of this batch still counts as this batch
    queueMicrotask(() => {
      settling = false;
    });
  };
  let t = process.hrtime.bigint();
  await new Promise<void>((done, fail) => {
    let next = 0;
    let waiting = 0;
    let scheduled = false;
    const arrive = (): void => {
      scheduled = false;
      for (let n = 0; n < chunk && next < corpus.length && waiting < concurrency; n++) {
        const k = next++;
        waiting++;
        log.append(entryFor(corpus[k] as GateInput, k)).then(() => {
          settled();
          batchOf[k] = batch;
          waiting--;
          if (next === corpus.length && waiting === 0) done();
          else if (!scheduled) {
            scheduled = true;
            setImmediate(arrive);
          }
        }, fail);
      }
      if (next < corpus.length && waiting < concurrency && !scheduled) {
        scheduled = true;
        setImmediate(arrive);
      }
    };
    arrive();
  });
  const appendSec = secondsSince(t);
  const commits = (log.status().commits ?? 0) - before;
  await log.close();
  const all = Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort()
      .map((f) => readFileSync(join(dir, f))),
  );
  const ends: number[] = [];
  for (let at = 0; at < all.length; at = ends.at(-1) as number) ends.push(all.indexOf(10, at) + 1);
  const first = ends.shift() as number;
  const raw = openSync(join(root, `pipe-raw${round}.jsonl`), "a");
  let batches = 0;
  t = process.hrtime.bigint();
  for (let i = 0, from = first; i < ends.length; ) {
    let j = i + 1;
    while (j < ends.length && batchOf[j] === batchOf[i]) j++;
    const to = ends[j - 1] as number;
    writeSync(raw, all, from, to - from);
    fsyncSync(raw);
    batches++;
    from = to;
    i = j;
  }
  const rawSec = secondsSince(t);
  closeSync(raw);
  return { appendSec, rawSec, commits, batches };
}

/** verifyAuditDir against reading the same files and hashing them with node:crypto: every line, and each file whole. */
async function verifyRound(dir: string): Promise<{ verifySec: number; hashLinesSec: number; hashFilesSec: number; ok: boolean; mb: number }> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(dir, f));
  let t = process.hrtime.bigint();
  const v = await verifyAuditDir(dir);
  const verifySec = secondsSince(t);
  t = process.hrtime.bigint();
  for (const f of files) {
    const b = await readFile(f);
    for (let at = 0; at < b.length; ) {
      const nl = b.indexOf(10, at);
      const end = nl < 0 ? b.length : nl + 1;
      hash("sha256", b.subarray(at, end), "hex");
      at = end;
    }
  }
  const hashLinesSec = secondsSince(t);
  t = process.hrtime.bigint();
  for (const f of files) hash("sha256", await readFile(f), "hex");
  const hashFilesSec = secondsSince(t);
  return { verifySec, hashLinesSec, hashFilesSec, ok: v.ok, mb: v.bytes / 1e6 };
}

/** Calls arriving per event-loop turn in the pipelined measurement. */
const PIPELINE_CHUNK = 25;

export async function auditBench(records: number, concurrency: number, rounds = 3): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), "oc-audit-bench-"));
  try {
    const corpus = benchCorpus(records);
    const appendRate: number[] = [];
    const rawRate: number[] = [];
    const appendRatio: number[] = [];
    const verifyRate: number[] = [];
    const linesRate: number[] = [];
    const filesRate: number[] = [];
    const verifyRatio: number[] = [];
    const verifyFilesRatio: number[] = [];
    let commits = 0;
    let batches = 0;
    let verifyOk = true;
    const pipeAppendRate: number[] = [];
    const pipeRawRate: number[] = [];
    const pipeRatio: number[] = [];
    let pipeCommits = 0;
    let pipeBatches = 0;
    // Rounds interleave the measured code with its baseline so machine noise hits both alike; medians reported.
    for (let round = 0; round < rounds; round++) {
      const a = await appendRound(root, round, corpus, concurrency);
      appendRate.push(records / a.appendSec);
      rawRate.push(records / a.rawSec);
      appendRatio.push(a.rawSec / a.appendSec);
      commits = a.commits;
      batches = a.batches;
      const v = await verifyRound(join(root, `log${round}`));
      verifyOk &&= v.ok;
      verifyRate.push(v.mb / v.verifySec);
      linesRate.push(v.mb / v.hashLinesSec);
      filesRate.push(v.mb / v.hashFilesSec);
      verifyRatio.push(v.hashLinesSec / v.verifySec);
      verifyFilesRatio.push(v.hashFilesSec / v.verifySec);
      const p = await pipelinedRound(root, round, corpus, concurrency, PIPELINE_CHUNK);
      pipeAppendRate.push(records / p.appendSec);
      pipeRawRate.push(records / p.rawSec);
      pipeRatio.push(p.rawSec / p.appendSec);
      pipeCommits = p.commits;
      pipeBatches = p.batches;
    }
    // Redaction of each call's text as the trail does it: our shapes alone, and with the secretlint pass on what the
    // prefilter picks (the corpus, then calls that each carry a token only secretlint knows).
    const redactor = createRedactor(["pk_internal_7Hq2ZxY9"], Buffer.alloc(32, 7));
    await redactor.scan("warm-up npm_FAKEfake00FAKEfake00FAKEfake00FAKEfa");
    const shapesNs: number[] = [];
    const lintNs: number[] = [];
    const tokenNs: number[] = [];
    let linted = 0;
    const sampleCalls = benchCorpus(2000);
    for (const [i, c] of sampleCalls.entries()) {
      const text = { args: c.params, evidence: null, reason: "allowed by default" };
      let s = process.hrtime.bigint();
      redactor.value(text);
      shapesNs.push(Number(process.hrtime.bigint() - s));
      s = process.hrtime.bigint();
      await redactor.scan(text);
      lintNs.push(Number(process.hrtime.bigint() - s));
      if (JSON.stringify(c.params).match(LINT_PREFILTER)) linted++;
      if (i % 10 === 0) {
        s = process.hrtime.bigint();
        await redactor.scan({ args: { ...(c.params as Record<string, unknown>), note: `npm publish --otp 1 npm_FAKEfake00FAKEfake00FAKEfake00FA${i % 10}${String(i).padStart(4, "0")}` }, evidence: null, reason: "allowed by default" });
        tokenNs.push(Number(process.hrtime.bigint() - s));
      }
    }
    // Latency the audit adds on the decision path (sequential calls, so each waits for its own fsync).
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
      rounds,
      appendRecordsPerSec: Math.round(median(appendRate)),
      rawWriteFsyncRecordsPerSec: Math.round(median(rawRate)),
      appendVsRaw: round2(median(appendRatio)),
      appendCommits: commits,
      rawBatches: batches,
      pipelined: {
        chunk: PIPELINE_CHUNK,
        appendRecordsPerSec: Math.round(median(pipeAppendRate)),
        rawWriteFsyncRecordsPerSec: Math.round(median(pipeRawRate)),
        appendVsRaw: round2(median(pipeRatio)),
        appendCommits: pipeCommits,
        rawBatches: pipeBatches,
      },
      verifyOk,
      verifyMBps: round(median(verifyRate)),
      hashLinesMBps: round(median(linesRate)),
      hashFilesMBps: round(median(filesRate)),
      verifyVsHash: round2(median(verifyRatio)),
      verifyVsHashFiles: round2(median(verifyFilesRatio)),
      redaction: { calls: sampleCalls.length, picked: linted, shapesOnly: percentiles(shapesNs), withSecretlint: percentiles(lintNs), callWithToken: percentiles(tokenNs) },
      decisionWithoutAudit: percentiles(plainNs),
      decisionWithAudit: percentiles(auditedNs),
      note: "medians of `rounds` interleaved rounds. append = createAuditLog().append of call.before records shaped as the trail builds them (arguments unredacted), `concurrency` in flight (group commit: appendCommits write+fsync batches); raw = the same bytes written and fsync'd in the same batches (rawBatches) with no hashing or canonicalising; these callers move in lock step (each group of `concurrency` waits for the previous one), so sealing never overlaps an fsync; pipelined = the same records from callers arriving `chunk` per event-loop turn with at most `concurrency` waiting, so the next batch is sealed while the previous one is fsync'd, against raw write+fsync of the batches the log formed; verify = verifyAuditDir; hashLines = reading the same files and sha256 of every line (the least any per-record chain check must hash), verifyVsHash = its ratio; hashFiles = sha256 of each file whole (verifyVsHashFiles); redaction = the trail's redaction of a call's arguments, reason and evidence: shapesOnly = configured values and our own credential shapes, withSecretlint = that plus the secretlint pass on the strings the prefilter picks (picked of calls), callWithToken = a call whose arguments carry a token only secretlint knows",
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// `node test/bench/audit-bench.ts [records] [concurrency] [rounds]`: the audit section alone.
if (import.meta.main) {
  const [records = "20000", concurrency = "200", rounds = "3"] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await auditBench(Number(records), Number(concurrency), Number(rounds)), null, 2)}\n`);
}
