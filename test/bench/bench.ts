// npm run bench: decision latency through the hook's gate, beside the cost of JSON.stringify of the same params, one run.
import { parseConfig } from "../../src/config/load.ts";
import { analyseShell } from "../../src/patterns/shell.ts";
import { createGate } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";
import { auditBench } from "./audit-bench.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStateStore } from "../../src/state/store.ts";
import { killSwitchBench } from "./killswitch-bench.ts";
import { approvalsBench } from "./approvals-bench.ts";
import { loadBench } from "./load-bench.ts";
import { BENCH_CONFIG, benchCorpus } from "./corpus.ts";
import { summary, timeShell } from "./shell-timing.ts";

const scale = Math.max(0.01, Number(process.env.BENCH_SCALE ?? "1"));
const CALLS = Math.round(20_000 * scale);
const WARMUP = 2_000;

async function main(): Promise<void> {
  const loaded = parseConfig(BENCH_CONFIG, {});
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  // As in a gateway: the emergency-stop state is read from the embedded store on every decision.
  const storeDir = mkdtempSync(join(tmpdir(), "otheru-bench-store-"));
  const store = openStateStore({ kind: "sqlite", path: join(storeDir, "state.sqlite"), timeoutMs: 1000, namespace: "bench" });
  const gate = createGate(loaded.value, fixedLayout(), { store });
  const corpus = benchCorpus(CALLS);
  for (const input of corpus.slice(0, WARMUP)) await gate.decide(input);

  const decideNs = new Float64Array(corpus.length);
  const stringifyNs = new Float64Array(corpus.length);
  const verdicts: Record<string, number> = { allow: 0, block: 0, escalate: 0 };
  let sink = 0;
  // Interleaved, call by call, so both measurements see the same machine load.
  for (let i = 0; i < corpus.length; i++) {
    const input = corpus[i] as (typeof corpus)[number];
    let t = process.hrtime.bigint();
    const r = await gate.decide(input);
    decideNs[i] = Number(process.hrtime.bigint() - t);
    verdicts[r.decision.kind] = (verdicts[r.decision.kind] ?? 0) + 1;
    t = process.hrtime.bigint();
    sink += JSON.stringify(input.params).length;
    stringifyNs[i] = Number(process.hrtime.bigint() - t);
  }
  // The shell analyser alone, beside a bare unbash parse of the same command, interleaved.
  const commands = corpus.map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string");
  // All three warmed alike before measuring (the analyser and parse were already warm from gate.decide, the walk was not).
  const { analyseNs, parseNs, walkNs, sink: shellSink } = timeShell(commands, analyseShell, WARMUP);
  sink += shellSink;
  const analyser = summary(analyseNs);
  const bareParse = summary(parseNs);
  const fullParse = summary(walkNs);
  const decision = summary(decideNs);
  const stringify = summary(stringifyNs);
  const result = {
    node: process.version,
    corpus: { calls: corpus.length, distinct: 22, sessions: 5, verdicts },
    decision,
    stringify,
    ratio: {
      p50: Math.round((decision.p50Us / Math.max(0.01, stringify.p50Us)) * 10) / 10,
      p99: Math.round((decision.p99Us / Math.max(0.01, stringify.p99Us)) * 10) / 10,
    },
    shell: {
      commands: commands.length,
      analyser,
      unbashParse: bareParse,
      unbashParseAndWalk: fullParse,
      ratio: {
        p50: Math.round((analyser.p50Us / Math.max(0.01, bareParse.p50Us)) * 10) / 10,
        p99: Math.round((analyser.p99Us / Math.max(0.01, bareParse.p99Us)) * 10) / 10,
      },
      ratioToParseAndWalk: {
        p50: Math.round((analyser.p50Us / Math.max(0.01, fullParse.p50Us)) * 10) / 10,
        p99: Math.round((analyser.p99Us / Math.max(0.01, fullParse.p99Us)) * 10) / 10,
      },
    },
    killSwitch: await killSwitchBench(Math.max(20, Math.round(200 * scale))),
    approvals: await approvalsBench(Math.max(20, Math.round(300 * scale))),
    audit: await auditBench(Math.round(20_000 * scale), 200),
    // The registered hooks under load (issue #12): `load` (embedded store), `loadRedis` (two instances, one redis-server).
    ...(await loadBench(Math.round(10_000 * scale), 200)),
    note: "decision = gate.decide() as the before_tool_call hook runs it (emergency-stop read from the embedded store, analysis, path resolution, policy); stringify = JSON.stringify of the same params; measured interleaved in one run; shell.analyser = analyseShell() alone vs shell.unbashParse = unbash parse() of the same command",
    checksum: sink,
  };
  await store.close();
  rmSync(storeDir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
