import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { canonicalJson } from "../../src/config/canonical.ts";
import { generateSigningKey } from "../../src/audit/keys.ts";
import { createAuditLog } from "../../src/audit/log.ts";
import { type AuditRecord, recordHash } from "../../src/audit/record.ts";
import { createAuditTrail } from "../../src/audit/trail.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createGate } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";
import { sign, generateKeyPairSync } from "node:crypto";
import { checkpointPayload } from "../../src/audit/record.ts";

const root = mkdtempSync(join(tmpdir(), "oc-audit-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${++n}`);
const GH = `ghp_${"a1B2c3D4e5".repeat(4)}`;

async function writeLog(dir: string, count: number, extra: Partial<Parameters<typeof createAuditLog>[0]> = {}): Promise<AuditRecord[]> {
  const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0, ...extra });
  const out: AuditRecord[] = [];
  for (let i = 0; i < count; i++) out.push(await log.append({ kind: "call.before", tool: "exec", args: { command: `echo ${i}` }, decision: "allow", ruleIds: [] }));
  await log.close();
  return out;
}
const lines = (dir: string, file: string) => readFileSync(join(dir, file), "utf8").split("\n").filter(Boolean);
const only = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort();

describe("audit log: hash chain and day files", () => {
  test("a fresh log verifies; records carry seq, time, instance, prev and hash", async () => {
    const dir = fresh();
    const recs = await writeLog(dir, 20);
    assert.deepEqual(recs.map((r) => r.seq), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(recs[0]?.prev, "0".repeat(64));
    assert.equal(recs[1]?.prev, recs[0]?.hash);
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.records, r.files], [true, 20, 1]);
    assert.equal(statSync(join(dir, only(dir)[0] as string)).mode & 0o777, 0o600);
  });

  test("files roll over at midnight in the configured time zone and chain across days", async () => {
    const dir = fresh();
    // 14:59 and 15:01 UTC are 23:59 and 00:01 in Tokyo.
    let t = Date.parse("2026-11-24T14:59:00Z");
    const log = createAuditLog({ dir, timeZone: "Asia/Tokyo", checkpointEvery: 0, checkpointSeconds: 0, now: () => new Date(t) });
    await log.append({ kind: "call.before", tool: "read" });
    await log.append({ kind: "call.before", tool: "read" });
    t = Date.parse("2026-11-24T15:01:00Z");
    await log.append({ kind: "call.before", tool: "read" });
    await log.close();
    assert.deepEqual(only(dir), ["2026-11-24.jsonl", "2026-11-25.jsonl"]);
    const first = JSON.parse(lines(dir, "2026-11-25.jsonl")[0] as string) as AuditRecord;
    const lastOfDay1 = JSON.parse(lines(dir, "2026-11-24.jsonl")[1] as string) as AuditRecord;
    assert.equal(first.prev, lastOfDay1.hash);
    assert.equal((await verifyAuditDir(dir)).ok, true);
  });

  test("a restart continues the chain", async () => {
    const dir = fresh();
    await writeLog(dir, 3);
    await writeLog(dir, 2);
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.records], [true, 5]);
  });
});

describe("audit verify: every kind of tampering is named", () => {
  const base = fresh();
  const keyPath = join(root, "signing.pem");
  const keys = generateSigningKey(keyPath);
  const pub = readFileSync(keys.publicKeyPath, "utf8");
  let recs: AuditRecord[] = [];
  const copy = () => {
    const d = fresh();
    cpSync(base, d, { recursive: true });
    return d;
  };
  const file = () => only(base)[0] as string;
  test("setup: a signed log with checkpoints", async () => {
    recs = await writeLog(base, 12, { signingKeyPath: keyPath, checkpointEvery: 5 });
    const r = await verifyAuditDir(base, { publicKeyPem: pub });
    assert.ok(r.ok, JSON.stringify(r.break));
    assert.ok(r.checkpoints >= 2);
  });
  test("one byte of an argument edited", async () => {
    const d = copy();
    const ls = lines(d, file());
    ls[3] = (ls[3] as string).replace("echo 3", "echo 4");
    writeFileSync(join(d, file()), `${ls.join("\n")}\n`);
    const r = await verifyAuditDir(d);
    assert.deepEqual([r.ok, r.break?.line, r.break?.problem], [false, 4, "edited: the record's content does not match its hash"]);
  });
  test("a line deleted", async () => {
    const d = copy();
    const ls = lines(d, file());
    ls.splice(2, 1);
    writeFileSync(join(d, file()), `${ls.join("\n")}\n`);
    const r = await verifyAuditDir(d);
    assert.deepEqual([r.ok, r.break?.seq, r.break?.problem], [false, 4, "missing: records 3..3 were deleted"]);
  });
  test("two lines swapped", async () => {
    const d = copy();
    const ls = lines(d, file());
    [ls[4], ls[5]] = [ls[5] as string, ls[4] as string];
    writeFileSync(join(d, file()), `${ls.join("\n")}\n`);
    const r = await verifyAuditDir(d);
    assert.equal(r.ok, false);
    assert.match(r.break?.problem ?? "", /^missing|^reordered/);
    assert.equal(r.break?.line, 5);
  });
  test("the tail truncated after a posted checkpoint", async () => {
    const d = copy();
    const ls = lines(d, file());
    const posted = ls.map((l) => JSON.parse(l) as AuditRecord).filter((r) => r.kind === "checkpoint").at(-1) as AuditRecord;
    const keep = ls.slice(0, ls.findIndex((l) => l.includes(String(posted.lastHash))) - 1);
    writeFileSync(join(d, file()), `${keep.join("\n")}\n`);
    const r = await verifyAuditDir(d, { checkpointHash: String(posted.lastHash) });
    assert.equal(r.ok, false);
    assert.match(r.break?.problem ?? "", /^truncated: the chain does not reach checkpoint/);
  });
  test("a partial last line (torn write) is reported as truncated", async () => {
    const d = copy();
    writeFileSync(join(d, file()), `${readFileSync(join(d, file()), "utf8")}{"kind":"call.be`);
    const r = await verifyAuditDir(d);
    assert.deepEqual([r.ok, r.break?.problem], [false, "truncated: the file ends inside a record"]);
  });
  test("a checkpoint signature replaced (and its hash recomputed)", async () => {
    const d = copy();
    const ls = lines(d, file());
    const idx = ls.map((l) => JSON.parse(l) as AuditRecord).findLastIndex((r) => r.kind === "checkpoint");
    const cp = JSON.parse(ls[idx] as string) as AuditRecord;
    const other = generateKeyPairSync("ed25519").privateKey;
    const forged = { ...cp, signature: sign(null, Buffer.from(checkpointPayload(cp.count as number, cp.lastHash as string, cp.signedAt as string)), other).toString("base64") };
    const rehashed = { ...forged, hash: recordHash(forged) };
    // Cut after the forged checkpoint so the chain itself still holds: only the signature can tell.
    writeFileSync(join(d, file()), `${[...ls.slice(0, idx), canonicalJson(rehashed)].join("\n")}\n`);
    assert.equal((await verifyAuditDir(d)).ok, true, "without the key only the chain is checked");
    const r = await verifyAuditDir(d, { publicKeyPem: pub });
    assert.deepEqual([r.ok, r.break?.problem], [false, "bad signature on checkpoint"]);
  });
});

describe("audit log: a failed write", () => {
  test("rejects every append of its batch, and the log goes on from the last durable record", async () => {
    const dir = fresh();
    let t = Date.parse("2026-11-24T12:00:00Z");
    const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0, now: () => new Date(t) });
    await log.append({ kind: "admin", action: "one" });
    // The next day's file cannot be opened: a directory stands where it goes.
    mkdirSync(join(dir, "2026-11-25.jsonl"));
    t = Date.parse("2026-11-25T00:00:01Z");
    const batch = await Promise.allSettled([log.append({ kind: "admin", action: "two" }), log.append({ kind: "admin", action: "three" })]);
    assert.deepEqual(
      batch.map((r) => r.status),
      ["rejected", "rejected"],
    );
    for (const r of batch) assert.match(String((r as PromiseRejectedResult).reason), /^Error: audit write failed: EISDIR/);
    assert.equal(log.status().ok, false);
    rmSync(join(dir, "2026-11-25.jsonl"), { recursive: true });
    const next = await log.append({ kind: "admin", action: "four" });
    assert.equal(log.status().ok, true);
    await log.close();
    assert.equal(next.seq, 2);
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.records, r.files], [true, 2, 2]);
  });
});

describe("audit log: crash safety", () => {
  test("kill -9 in a burst of appends: the log verifies, recovers, and keeps every acknowledged record", { timeout: 60_000 }, async () => {
    const dir = fresh();
    const child = spawn(process.execPath, [fileURLToPath(new URL("./append-burst.ts", import.meta.url)), dir], { stdio: ["ignore", "pipe", "inherit"] });
    let acked = 0;
    child.stdout.on("data", (c: Buffer) => {
      for (const l of c.toString().split("\n")) if (/^\d+$/.test(l)) acked = Math.max(acked, Number(l));
    });
    for (let i = 0; i < 200 && acked < 2000; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    assert.ok(acked > 0, "the child appended something before it was killed");
    // Whatever the kill left, reopening recovers: a torn last line is quarantined and the chain continues.
    const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
    const next = await log.append({ kind: "admin", action: "restart-check" });
    await log.close();
    const r = await verifyAuditDir(dir);
    assert.ok(r.ok, JSON.stringify(r.break));
    assert.ok(next.seq > acked, `seq ${next.seq} continues after every acknowledged record (${acked})`);
    const seqs = new Set(only(dir).flatMap((f) => lines(dir, f).map((l) => (JSON.parse(l) as AuditRecord).seq)));
    for (let s = 1; s <= acked; s++) assert.ok(seqs.has(s), `acknowledged record ${s} is on disk`);
  });
});

describe("audit trail through the gate", () => {
  const cfg = parseConfig({}, {});
  assert.ok(cfg.ok);
  const loaded = cfg.ok ? { ...cfg.value, secretValues: ["pk_internal_7Hq2ZxY9"] } : (undefined as never);

  test("every decision is recorded before the answer, arguments redacted with keyed markers", async () => {
    const dir = fresh();
    const gate = createGate(loaded, fixedLayout({ stateDir: dir }), { audit: { dir } });
    await gate.decide({ tool: "exec", params: { command: `git push https://${GH}@github.com/x/y`, note: "pk_internal_7Hq2ZxY9" }, sessionKey: "agent:main:main", toolCallId: "t1" });
    await gate.decide({ tool: "exec", params: { command: `echo ${GH}` }, sessionKey: "agent:main:main", toolCallId: "t2" });
    await gate.audit?.close();
    const text = only(dir).map((f) => readFileSync(join(dir, f), "utf8")).join("");
    assert.ok(!text.includes(GH) && !text.includes("pk_internal_7Hq2ZxY9"), "no secret in the audit file");
    const recs = text.trim().split("\n").map((l) => JSON.parse(l) as AuditRecord).filter((r) => r.kind === "call.before");
    assert.deepEqual(recs.map((r) => r.toolCallId), ["t1", "t2"]);
    const marker = (s: string) => /\[redacted:github-token:[0-9a-f]{10}\]/.exec(s)?.[0];
    assert.equal(marker(JSON.stringify(recs[0]?.args)), marker(JSON.stringify(recs[1]?.args)), "equal secrets correlate");
    assert.match(JSON.stringify(recs[0]?.args), /\[redacted:configured-secret:[0-9a-f]{10}\]/);
    assert.ok((await verifyAuditDir(dir)).ok);
  });

  test("an audit log that cannot be written blocks high-stakes calls (audit.unavailable), not the rest", async () => {
    const dir = fresh();
    writeFileSync(dir, "not a directory");
    const gate = createGate(loaded, fixedLayout({ stateDir: root }), { audit: { dir } });
    const exec = await gate.decide({ tool: "exec", params: { command: "ls" }, sessionKey: "agent:main:main" });
    assert.deepEqual([exec.decision.kind, exec.decision.ruleIds], ["block", ["audit.unavailable"]]);
    const read = await gate.decide({ tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main" });
    assert.equal(read.decision.kind, "allow");
    assert.equal(gate.audit?.status().ok, false);
  });

  test("trail events (override attempts, outcomes) are chained with the calls", async () => {
    const dir = fresh();
    const trail = createAuditTrail({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0, secretValues: [], redactionKeyPath: join(dir, "k"), policyHash: "h" });
    await trail.event({ kind: "override.attempt", matched: "ignore your tool policy" });
    await trail.after({ tool: "exec", toolCallId: "t1", outcome: "ran", durationMs: 12, result: `token ${GH}` });
    await trail.close();
    const kinds = lines(dir, only(dir)[0] as string).map((l) => (JSON.parse(l) as AuditRecord).kind);
    assert.deepEqual(kinds, ["config.load", "override.attempt", "call.after"]);
    assert.ok(!readFileSync(join(dir, only(dir)[0] as string), "utf8").includes(GH));
  });
});

test("audit keygen writes the private key mode 600 and refuses to overwrite", () => {
  const p = join(root, "k2.pem");
  generateSigningKey(p);
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.ok(existsSync(`${p}.pub`));
  assert.throws(() => generateSigningKey(p), /already exists; pass --force/);
});
