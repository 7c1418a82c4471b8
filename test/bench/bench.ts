// npm run bench: decision latency through the hook's gate, beside the cost of JSON.stringify of the same params, one run.
import { forEachChild, parse, type SyntaxNode } from "unbash";
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

const scale = Math.max(0.01, Number(process.env.BENCH_SCALE ?? "1"));
const CALLS = Math.round(20_000 * scale);
const WARMUP = 2_000;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function summary(samplesNs: Float64Array): { p50Us: number; p99Us: number; meanUs: number } {
  const sorted = Float64Array.from(samplesNs).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const us = (ns: number) => Math.round(ns / 10) / 100;
  return { p50Us: us(percentile(sorted, 50)), p99Us: us(percentile(sorted, 99)), meanUs: us(mean) };
}

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
  const analyseNs = new Float64Array(commands.length);
  const parseNs = new Float64Array(commands.length);
  const walkNs = new Float64Array(commands.length);
  // A parse that also builds every lazy node (word parts, substitutions), as any full traversal must.
  const parseAndWalk = (src: string): number => {
    let n = 0;
    const visit = (node: SyntaxNode): void => {
      n++;
      forEachChild(node, visit);
    };
    visit(parse(src));
    return n;
  };
  const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
  // All three warmed alike before measuring (the analyser and parse were already warm from gate.decide, the walk was not).
  for (const command of commands.slice(0, WARMUP)) sink += analyseShell(command, env).findings.length + parse(command).commands.length + parseAndWalk(command);
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i] as string;
    let t = process.hrtime.bigint();
    sink += analyseShell(command, env).findings.length;
    analyseNs[i] = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    sink += parse(command).commands.length;
    parseNs[i] = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    sink += parseAndWalk(command);
    walkNs[i] = Number(process.hrtime.bigint() - t);
  }
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
