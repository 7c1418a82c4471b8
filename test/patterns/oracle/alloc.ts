// Bytes allocated per call by analyseShell and by a bare unbash parse, per bench command (run with --expose-gc --max-semi-space-size=1024).
import { parse } from "unbash";
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))];
const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
const N = 500;
let sink = 0;
for (let r = 0; r < 3000; r++) for (const c of commands) sink += analyseShell(c, env).findings.length + parse(c).commands.length;
const measure = (f: () => void): number => {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) f();
  return (process.memoryUsage().heapUsed - before) / N;
};
let ta = 0, tp = 0;
for (const c of commands) {
  const a = measure(() => { sink += analyseShell(c, env).findings.length; });
  const p = measure(() => { sink += parse(c).commands.length; });
  ta += a; tp += p;
  console.log(`${a.toFixed(0).padStart(7)} ${p.toFixed(0).padStart(7)}  ${c}`);
}
console.log(`mean ${(ta / commands.length).toFixed(0)} ${(tp / commands.length).toFixed(0)}`, sink > 0 ? "" : "");
