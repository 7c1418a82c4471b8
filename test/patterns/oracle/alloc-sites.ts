// Allocation sites of analyseShell on the bench commands (sampling heap profiler, collected objects included).
import { Session } from "node:inspector/promises";
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))].filter((c) => process.env.ONLY === undefined || c.includes(process.env.ONLY));
const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
let sink = 0;
for (let r = 0; r < 3000; r++) for (const c of commands) sink += analyseShell(c, env).findings.length;
const session = new Session();
session.connect();
await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const ROUNDS = 3000;
for (let r = 0; r < ROUNDS; r++) for (const c of commands) sink += analyseShell(c, env).findings.length;
const { profile } = await session.post("HeapProfiler.stopSampling");
type N = { callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; selfSize: number; children: N[] };
const self = new Map<string, number>();
let total = 0;
const key = (n: N) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
const incl = new Map<string, number>();
const walk = (n: N, stack: string[]): void => {
  const k = key(n);
  if (n.selfSize) {
    self.set(k, (self.get(k) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const a of new Set([...stack, k])) incl.set(a, (incl.get(a) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, [...stack, k]);
};
walk(profile.head as N, []);
const calls = ROUNDS * commands.length;
console.log(`bytes per call ~${(total / calls).toFixed(0)}`);
console.log("SELF bytes/call");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log((v / calls).toFixed(0).padStart(6), k);
console.log("INCL");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / calls).toFixed(0).padStart(6), k);
console.log(sink > 0 ? "" : "-");
if (process.env.PARENTS) {
  const want = new Set(process.env.PARENTS.split(","));
  const parents = new Map<string, number>();
  const walk2 = (n: N, stack: string[]): void => {
    const k = key(n);
    if (n.selfSize && want.has(n.callFrame.functionName)) {
      const p = stack.slice(-3).join(" < ");
      parents.set(`${n.callFrame.functionName} <- ${p}`, (parents.get(`${n.callFrame.functionName} <- ${p}`) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk2(c, [...stack, k]);
  };
  walk2(profile.head as N, []);
  for (const [k, v] of [...parents].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log((v / calls).toFixed(0).padStart(6), k);
}
