import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { emptyLineFields, scanLine } from "../../src/audit/line.ts";
import { createAuditLog } from "../../src/audit/log.ts";
import { createRedactor } from "../../src/audit/redact.ts";
import { type AuditRecord, GENESIS_HASH } from "../../src/audit/record.ts";
import { afterEntry, beforeEntry, type RedactedCall } from "../../src/audit/trail.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { canonicalJson, isCanonicalReady } from "../../src/config/canonical.ts";

const root = mkdtempSync(join(tmpdir(), "oc-audit-scan-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${++n}`);
const opts = (dir: string) => ({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const fileOf = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl")) as string);

/** Entries with everything canonical JSON can hold: escapes, unicode, integer-like and odd keys, numbers of every form. */
const ODD_ENTRIES = [
  { kind: "admin", text: 'quote " backslash \\ tab \t nl \n cr \r ff \f bs \b nul \u0000 unit \u001f del \u007f', slash: "a/b" },
  { kind: "admin", text: "é ü 中文 😀 \u2028 \u2029 \ufeff", "clé": 1, "😀": 2, "": 3, "a\nb": 4 },
  { kind: "admin", "10": "ten", "9": "nine", a: { "2": 2, "10": 10 } },
  { kind: "admin", nums: [0, -1, 1.5, -0.000001, 1e-7, 1e21, 123456789012345, 1234567890123456789, 5e-324, 1.7976931348623157e308, -0] },
  { kind: "admin", lone: "\ud800 x \udfff", pair: "\ud83d\ude00" },
  { kind: "admin", nested: { z: [{ b: 1, a: [true, false, null] }], a: {} }, empty: [], deep: [[[[[[["x"]]]]]]] },
] as const;

describe("verify: the byte scanner only says yes where the exact check would", () => {
  test("logs of odd but canonical records verify, through whichever path", async () => {
    const dir = fresh();
    const log = createAuditLog(opts(dir));
    for (const e of ODD_ENTRIES) await log.append({ ...e });
    await log.close();
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.records, r.break], [true, ODD_ENTRIES.length, undefined]);
    for (const line of readFileSync(fileOf(dir), "utf8").trim().split("\n")) assert.equal(canonicalJson(JSON.parse(line)), line);
  });

  test("random edits: whenever the scan accepts, the line is canonical JSON and the fields agree with JSON.parse", async () => {
    const dir = fresh();
    const log = createAuditLog(opts(dir));
    for (const e of ODD_ENTRIES) await log.append({ ...e });
    for (let i = 0; i < 8; i++) await log.append({ kind: "call.before", tool: "exec", args: { command: `echo ${i} "q" \\ é`, workdir: "/w" }, seq0: i, ok: i % 2 === 0 });
    await log.close();
    const lines = readFileSync(fileOf(dir), "utf8").trim().split("\n");
    // Deterministic pseudo-random edits (no flaky seeds): insert, delete, replace or duplicate bytes.
    let state = 7;
    const rand = (k: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % k;
    };
    const alphabet = ' {}[]":,\\/0123456789.eE+-abcdefhnrstu\t\né😀';
    let accepted = 0;
    for (let round = 0; round < 30_000; round++) {
      let line = lines[rand(lines.length)] as string;
      for (let edits = 1 + rand(3); edits > 0; edits--) {
        const at = rand(line.length + 1);
        const c = alphabet[rand(alphabet.length)] as string;
        const op = rand(4);
        line = op === 0 ? line.slice(0, at) + c + line.slice(at) : op === 1 ? line.slice(0, at) + line.slice(at + 1) : op === 2 ? line.slice(0, at) + c + line.slice(at + 1) : line.slice(0, at) + line.slice(at, at + 8) + line.slice(at);
      }
      const buf = Buffer.from(`${line}\n`);
      line = buf.toString("utf8", 0, buf.length - 1); // what the bytes say (a lone surrogate became U+FFFD)
      const f = emptyLineFields();
      if (!scanLine(buf, 0, buf.length, f)) continue;
      // The scan leaves hash and prev to the caller, which accepts only 64 hex digits there.
      const hex = (at: number) => /^[0-9a-f]{64}$/.test(buf.toString("latin1", at, at + 64));
      if (!hex(f.hashAt) || !hex(f.prevAt)) continue;
      accepted++;
      const parsed = JSON.parse(line) as AuditRecord;
      assert.equal(canonicalJson(parsed), line, `accepted a non-canonical line: ${line}`);
      assert.equal(f.end, buf.length - 1);
      assert.deepEqual([f.seq, f.checkpoint, buf.toString("latin1", f.hashAt, f.hashAt + 64), buf.toString("latin1", f.prevAt, f.prevAt + 64)], [parsed.seq, parsed.kind === "checkpoint", parsed.hash, parsed.prev]);
      const { hash: _h, ...rest } = parsed;
      assert.equal(buf.toString("utf8", 0, f.cutStart) + buf.toString("utf8", f.cutEnd, f.end), canonicalJson(rest));
    }
    assert.ok(accepted > 1000, `some edits keep the line canonical (${accepted})`);
  });

  // Each line below hashes correctly over its own bytes (without its hash member) and chains to the genesis hash,
  // but is not what the log writes: verify must refuse it rather than show a reader content it did not check.
  const forged: [string, (line: string) => string, string][] = [
    ["whitespace", (l) => l.replace('"kind":', '"kind": '), "edited: the line is not canonical JSON"],
    ["a duplicate key (JSON.parse keeps the last)", (l) => l.replace('"args":{', '"args":{"command":"rm -rf /"},"args":{'), "edited: the line is not canonical JSON"],
    ["keys out of order", (l) => l.replace('"tool":"exec",', "").replace('{"args"', '{"tool":"exec","args"'), "edited: the line is not canonical JSON"],
    ["an escape JSON.stringify does not write", (l) => l.replace('"ls"', '"\\u006cs"'), "edited: the line is not canonical JSON"],
    ["an escaped slash", (l) => l.replace('"/w"', '"\\/w"'), "edited: the line is not canonical JSON"],
    ["a number in another form", (l) => l.replace('"latencyUs":5', '"latencyUs":5.0'), "edited: the line is not canonical JSON"],
    ["the hash member inside a nested object", (l) => l, "edited: the line is not canonical JSON"],
    ["a raw control character", (l) => l.replace('"ls"', '"l\u0001s"'), "edited: the line is not valid JSON"],
  ];
  for (const [name, edit, problem] of forged) {
    test(`a re-hashed line with ${name} is refused`, async () => {
      const dir = fresh();
      const log = createAuditLog(opts(dir));
      await log.append({ kind: "call.before", tool: "exec", args: { command: "ls", workdir: "/w" }, latencyUs: 5 });
      await log.close();
      const file = fileOf(dir);
      const original = JSON.parse(readFileSync(file, "utf8")) as AuditRecord;
      const { hash: _h, ...rest } = original;
      let line: string;
      if (name.startsWith("the hash member inside")) {
        // Bytes that hash like the original once the first `"hash":"…"` is cut out, with the member nested.
        const w = canonicalJson(rest);
        const h = sha(w);
        line = w.replace('"args":{', `"args":{"hash":"${h}",`);
      } else {
        const w = edit(canonicalJson(rest));
        assert.notEqual(w, canonicalJson(rest), "the edit applies");
        const h = sha(w);
        // Put the member where the log would (before "instance"), hashing the edited text without it.
        line = w.replace(',"instance":', `,"hash":"${h}","instance":`);
      }
      writeFileSync(file, `${line}\n`);
      const r = await verifyAuditDir(dir);
      assert.deepEqual([r.ok, r.break?.line, r.break?.problem], [false, 1, problem]);
    });
  }

  test("bytes that are not UTF-8 are refused", async () => {
    const dir = fresh();
    const log = createAuditLog(opts(dir));
    await log.append({ kind: "admin", text: "é" });
    await log.close();
    const file = fileOf(dir);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from("é"));
    bytes[at + 1] = 0x41; // a lead byte without its continuation
    writeFileSync(file, bytes);
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.break?.problem], [false, "edited: the line is not valid JSON"]);
  });

  test("an empty log and a genesis-only chain", async () => {
    const dir = fresh();
    mkdirSync(dir);
    const r = await verifyAuditDir(dir);
    assert.deepEqual([r.ok, r.records, r.lastHash], [true, 0, GENESIS_HASH]);
  });
});

test("a skeleton entry becomes the record; appended again, it is copied", async () => {
  const dir = fresh();
  const log = createAuditLog(opts(dir));
  const entry = { b: { z: 1, a: 2 }, hash: "", instance: "", kind: "admin" as const, prev: "", seq: 0, time: "", v: 1 };
  const first = await log.append(entry);
  const second = await log.append(entry);
  await log.close();
  assert.equal(first, entry);
  assert.notEqual(second, entry);
  assert.deepEqual([first.seq, second.seq, second.prev === first.hash], [1, 2, true]);
  const lines = readFileSync(fileOf(dir), "utf8").trim().split("\n");
  assert.match(lines[0] as string, /^\{"b":\{"a":2,"z":1\},"hash":"[0-9a-f]{64}","instance":/);
  assert.ok((await verifyAuditDir(dir)).ok);
});

describe("trail records are built canonical: keys sorted, so the log serialises them in one pass", () => {
  const r = createRedactor([], Buffer.alloc(32, 1));
  test("call.before and call.after", async () => {
    const red = (await r.scan({ args: { workdir: "/w", command: "ls", env: { B: "1", A: "2" } }, evidence: "e", reason: "ok" })) as RedactedCall;
    const before = beforeEntry({ tool: "exec", chatType: "direct", channel: "telegram", senderId: "42", senderIsOwner: true, sessionKey: "agent:main:main", toolCallId: "t", runId: "r", agentId: "main", params: {} }, { decision: "allow", ruleIds: ["x"], reason: "ok", evidence: "e", latencyUs: 3 }, red);
    assert.ok(isCanonicalReady(before), JSON.stringify(Object.keys(before)));
    const after = afterEntry({ tool: "exec", toolCallId: "t", runId: "r", sessionKey: "s", outcome: "ran", durationMs: 4 }, { result: "{}", error: null });
    assert.ok(isCanonicalReady(after), JSON.stringify(Object.keys(after)));
  });
});
