// The shell part of test/bench/bench.ts alone (same corpus, warm-up, interleaving and ratio), for quick comparisons between changes.
import { forEachChild, parse, type SyntaxNode } from "unbash";
import { parseConfig } from "../../../src/config/load.ts";
import { createGate } from "../../../src/gate/gate.ts";
import { analyseShell as ownAnalyseShell } from "../../../src/patterns/shell.ts";
import { BENCH_CONFIG, benchCorpus } from "../../bench/corpus.ts";
import { fixedLayout } from "../../helpers.ts";

const CALLS = 20_000;
const WARMUP = 2_000;
const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
const summary = (ns: Float64Array) => {
  const sorted = Float64Array.from(ns).sort();
  return { p50Us: Math.round(percentile(sorted, 50) / 10) / 100, p99Us: Math.round(percentile(sorted, 99) / 10) / 100 };
};
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
const analyseNs = new Float64Array(commands.length);
const parseNs = new Float64Array(commands.length);
const walkNs = new Float64Array(commands.length);
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
