// The audit log cannot be written (a full disk: the day's file replaced by a symlink to /dev/full, which fails every
// write with ENOSPC; a read-only directory): high-stakes calls are blocked with audit.unavailable, health reports it,
// nothing already written is damaged, and writing resumes when space returns, with a chain that still verifies.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseConfig } from "../../src/config/load.ts";
import { createGate, type Gate } from "../../src/gate/gate.ts";
import { dayFile } from "../../src/audit/record.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { fixedLayout } from "../helpers.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    try {
      chmodSync(d, 0o700);
    } catch {
      // already gone
    }
    rmSync(d, { recursive: true, force: true });
  }
});

function gateWithAudit(): { gate: Gate; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "otheru-audit-faults-"));
  dirs.push(dir);
  const r = parseConfig({}, {});
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return { gate: createGate(r.value, fixedLayout(), { audit: { dir } }), dir };
}

const EXEC = { tool: "exec", params: { command: "ls -la" }, sessionKey: "agent:main:main", requester: { senderIsOwner: true } };
const READ = { tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main", requester: { senderIsOwner: true } };

async function verdict(gate: Gate, call: typeof EXEC | typeof READ): Promise<string> {
  const r = await gate.decide(call);
  return r.decision.kind === "allow" ? "allow" : r.decision.ruleIds.join(",");
}

test("a full disk (the day's file replaced by a symlink to /dev/full): high-stakes calls blocked, health says so, writing resumes and verifies", { skip: !existsSync("/dev/full") && "no /dev/full on this system" }, async () => {
  const { gate, dir } = gateWithAudit();
  assert.equal(await verdict(gate, EXEC), "allow");
  assert.equal(await verdict(gate, READ), "allow");
  const file = join(dir, dayFile(new Date(), "UTC"));
  const written = readFileSync(file);

  // The disk fills up: every write to the day's file now fails with ENOSPC.
  renameSync(file, `${file}.aside`);
  symlinkSync("/dev/full", file);
  try {
    assert.equal(await verdict(gate, EXEC), "audit.unavailable");
    const blocked = await gate.decide(EXEC);
    assert.match(blocked.decision.reason, /^The audit log cannot be written \(.*ENOSPC.*\), so this high-stakes call is blocked\.$/);
    // A call that is not high-stakes is not blocked for want of its record (the failure is in health).
    assert.equal(await verdict(gate, READ), "allow");
    const status = gate.audit?.status();
    assert.equal(status?.ok, false);
    assert.match(status?.error ?? "", /ENOSPC/);
  } finally {
    // Space returns.
    unlinkSync(file);
    renameSync(`${file}.aside`, file);
  }
  assert.deepEqual(readFileSync(file).subarray(0, written.length), written, "nothing already written was damaged");
  assert.equal(await verdict(gate, EXEC), "allow");
  assert.equal(gate.audit?.status().ok, true);
  const v = await verifyAuditDir(dir);
  assert.ok(v.ok, JSON.stringify(v.ok ? v : v.break));
  // Nothing written during the outage (the blocked exec never ran; the read's record is the failure health reported);
  // everything before and after is there, in one verifying chain.
  const before = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { kind: string; tool?: string; decision?: string })
    .filter((r) => r.kind === "call.before");
  assert.deepEqual(
    before.map((r) => `${r.tool}:${r.decision}`),
    ["exec:allow", "read:allow", "exec:allow"],
  );
});

test("a read-only audit directory: high-stakes calls blocked until it is writable again", { skip: process.getuid?.() === 0 && "root ignores directory modes (the /dev/full test covers failing writes)" }, async () => {
  const { gate, dir } = gateWithAudit();
  assert.equal(await verdict(gate, EXEC), "allow");
  const file = join(dir, dayFile(new Date(), "UTC"));
  renameSync(file, `${file}.aside`);
  chmodSync(dir, 0o500);
  try {
    assert.equal(await verdict(gate, EXEC), "audit.unavailable");
  } finally {
    chmodSync(dir, 0o700);
    renameSync(`${file}.aside`, file);
  }
  assert.equal(await verdict(gate, EXEC), "allow");
  assert.ok((await verifyAuditDir(dir)).ok);
});
