// Issue #12, load: the registered before_tool_call / after_tool_call hooks under many calls in flight, with the
// embedded store and with two plugin instances sharing a real redis-server. Correctness only: every call answered
// exactly once and as the mix expects, every call recorded exactly once in an audit log that verifies. Speed and
// memory are measured by `npm run bench` (key `load`), never asserted here (the CI machine is shared).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startRedis, type RedisServer } from "../redis-server.ts";
import { type LoadReport, runLoad } from "./driver.ts";

/** CI size (2 cores); BENCH_SCALE grows the bench, not this test. */
const CALLS = 1_500;
const CONCURRENCY = 50;
const WARMUP = 300;

function assertCorrect(r: LoadReport, instances: number): void {
  const d = r.detail;
  assert.deepEqual(d.errors, [], "no hook logged an error");
  assert.deepEqual(d.mismatches, [], "every call answered as the mix expects");
  assert.equal(r.lost, 0, "lost calls");
  assert.equal(r.duplicated, 0, "calls decided or recorded twice");
  assert.deepEqual(d.auditProblems, [], "call-by-call audit problems");
  assert.equal(d.audit.length, instances);
  for (const a of d.audit) assert.equal(a.ok, true, `audit verify: ${a.problem ?? ""}`);
  assert.equal(r.auditVerified, true);
  // The fixed mix (40 slots) over CALLS + WARMUP = 45 rounds of it, whatever the interleaving.
  assert.deepEqual(d.outcomes, { allow: 1_125, block: 495, approve: 135, deny: 45, other: 0 });
  assert.equal(d.issued, 1_800);
  assert.deepEqual(d.supervisor, { approve: 135, deny: 45, "ask-human": 0 }, "the supervisor model was asked once per escalated call");
  assert.equal(d.audit.reduce((s, a) => s + a.before, 0), 1_800, "one call.before per call");
  assert.equal(d.audit.reduce((s, a) => s + a.after, 0), 1_260, "one call.after per call that ran (allowed or approved)");
  assert.equal(d.audit.reduce((s, a) => s + a.escalationOutcomes, 0), 180, "one outcome per escalation");
}

describe("load through the registered hooks", { timeout: 120_000 }, () => {
  test(`embedded store: ${CALLS} calls, ${CONCURRENCY} in flight, one instance`, async () => {
    const r = await runLoad({ calls: CALLS, concurrency: CONCURRENCY, warmup: WARMUP, store: "sqlite", instances: 1, deadlineMs: 90_000 });
    assertCorrect(r, 1);
  });

  describe("redis", () => {
    let redis: RedisServer | undefined;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis?.stop();
    });

    test(`two instances on one redis-server: ${CALLS} calls, ${CONCURRENCY} in flight, spread across both`, async () => {
      const r = await runLoad({ calls: CALLS, concurrency: CONCURRENCY, warmup: WARMUP, store: "redis", redisUrl: redis?.url, instances: 2, deadlineMs: 90_000 });
      assertCorrect(r, 2);
      // Both instances decided (and recorded) their share.
      for (const a of r.detail.audit) assert.equal(a.before, 900);
    });
  });
});
