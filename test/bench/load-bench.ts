// npm run bench, `load` and `loadRedis` keys (issue #12): the registered before_tool_call / after_tool_call hooks
// driven in-process with `concurrency` calls in flight (test/load/driver.ts): decided calls/s with the audit on,
// hook latency under that load, peak RSS growth, and the exactly-once checks (lost, duplicated, audit verified).
import { startRedis } from "../redis-server.ts";
import { type LoadReport, runLoad } from "../load/driver.ts";

export type LoadFigures = Pick<LoadReport, "calls" | "concurrency" | "lost" | "duplicated" | "auditVerified" | "p50Us" | "p99Us" | "callsPerSec" | "rssGrowthMb">;

function figures(r: LoadReport): LoadFigures {
  return { calls: r.calls, concurrency: r.concurrency, lost: r.lost, duplicated: r.duplicated, auditVerified: r.auditVerified, p50Us: r.p50Us, p99Us: r.p99Us, callsPerSec: r.callsPerSec, rssGrowthMb: r.rssGrowthMb };
}

/** Extra figures beside each run: latency by outcome, CPU per call, the worst event-loop stall, anything that went wrong. */
function detailOf(r: LoadReport) {
  const d = r.detail;
  return { instances: d.instances, outcomes: d.outcomes, byKind: d.byKind, cpuUsPerCall: d.cpuUsPerCall, maxLoopStallMs: d.maxLoopStallMs, recordedP50Us: d.recordedP50Us, recordedP99Us: d.recordedP99Us, heapRetainedMb: d.heapRetainedMb, wallMs: d.wallMs, mismatched: d.mismatched, auditProblems: d.auditProblems, errors: d.errors };
}

/** `load`: embedded store, one instance; `loadRedis`: two instances sharing a real redis-server, calls spread across both. */
export async function loadBench(calls: number, concurrency: number): Promise<{ load: LoadFigures; loadRedis: LoadFigures & { instances: number }; loadDetail: { embedded: ReturnType<typeof detailOf>; redis: ReturnType<typeof detailOf>; note: string } }> {
  const embedded = await runLoad({ calls, concurrency, store: "sqlite", instances: 1 });
  const redis = await startRedis();
  let shared: LoadReport;
  try {
    shared = await runLoad({ calls, concurrency, store: "redis", redisUrl: redis.url, instances: 2 });
  } finally {
    await redis.stop();
  }
  return {
    load: figures(embedded),
    loadRedis: { ...figures(shared), instances: 2 },
    loadDetail: {
      embedded: detailOf(embedded),
      redis: detailOf(shared),
      note: "calls = measured calls after a 500-call warm-up, `concurrency` workers pulling from one queue (closed loop), each call as OpenClaw runs it: before_tool_call, then every after_tool_call handler when it ran; mix 62.5% allow, 27.5% block, 10% escalated to the scripted supervisor model (3 in 4 approved); p50Us/p99Us = the before_tool_call hook's latency as a caller sees it (queueing behind the other calls in flight included); callsPerSec = measured calls / wall time; rssGrowthMb = peak RSS during the measured calls minus RSS after the warm-up; lost / duplicated / auditVerified checked call by call against the hook answers and every instance's audit log",
    },
  };
}
