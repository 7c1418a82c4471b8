// The shell part of test/bench/bench.ts alone (same corpus, warm-up, interleaving and ratio), for quick comparisons between changes.
import { parseConfig } from "../../../src/config/load.ts";
import { createGate } from "../../../src/gate/gate.ts";
import { analyseShell as ownAnalyseShell } from "../../../src/patterns/shell.ts";
import { BENCH_CONFIG, benchCorpus } from "../../bench/corpus.ts";
import { fixedLayout } from "../../helpers.ts";
import { summary, timeShell } from "../../bench/shell-timing.ts";

const CALLS = 20_000;
const WARMUP = 2_000;
// AB_REF: another copy's shell.ts to measure instead (the gate warm-up still runs this tree's).
const analyseShell = process.env.AB_REF ? ((await import(process.env.AB_REF)) as { analyseShell: typeof ownAnalyseShell }).analyseShell : ownAnalyseShell;
const loaded = parseConfig(BENCH_CONFIG, {});
if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
const corpus = benchCorpus(CALLS);
let sink = 0;
if (process.env.GATE_WARMUP !== "0") {
  const gate = createGate(loaded.value, fixedLayout(), {});
  for (const input of corpus.slice(0, WARMUP)) sink += (await gate.decide(input)).decision.kind.length;
}
const commands = corpus.map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string");
const times = timeShell(commands, analyseShell, WARMUP);
const { analyseNs, parseNs, walkNs } = times;
sink += times.sink;
const a = summary(analyseNs);
const p = summary(parseNs);
const w = summary(walkNs);
const r = (x: number, y: number) => Math.round((x / Math.max(0.01, y)) * 10) / 10;
process.stdout.write(`analyser ${a.p50Us}/${a.p99Us} parse ${p.p50Us}/${p.p99Us} walk ${w.p50Us}/${w.p99Us} ratio ${r(a.p50Us, p.p50Us)}/${r(a.p99Us, p.p99Us)} toWalk ${r(a.p50Us, w.p50Us)}/${r(a.p99Us, w.p99Us)}${sink > 0 ? "" : "-"}\n`);
if (process.env.PER_COMMAND) {
  // Median per distinct command, to see which command the p50 of the whole distribution falls in.
  const groups = new Map<string, { a: number[]; p: number[] }>();
  commands.forEach((c, i) => {
    const g = groups.get(c) ?? { a: [], p: [] };
    g.a.push(analyseNs[i] as number);
    g.p.push(parseNs[i] as number);
    groups.set(c, g);
  });
  const med = (xs: number[]) => (xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number) / 1000;
  for (const [c, g] of [...groups].sort((x, y) => med(x[1].a) - med(y[1].a))) process.stdout.write(`${med(g.a).toFixed(2).padStart(7)} ${med(g.p).toFixed(2).padStart(6)}  ${c.slice(0, 60)}\n`);
}
