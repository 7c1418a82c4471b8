// In-process A/B: analyseShell of a reference copy (AB_REF, a shell.ts path) against this tree's, alternating blocks over the bench commands, under the same load.
import { parse } from "unbash";
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const ref = (await import(process.env.AB_REF as string)) as { analyseShell: typeof analyseShell };
const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))].filter((c) => process.env.ONLY === undefined || c.includes(process.env.ONLY));
const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
let sink = 0;
const fns: [string, (c: string) => number][] = [
  ["ref", (c) => ref.analyseShell(c, env).findings.length],
  ["new", (c) => analyseShell(c, env).findings.length],
  ["parse", (c) => parse(c).commands.length],
];
for (let r = 0; r < 3000; r++) for (const c of commands) for (const [, f] of fns) sink += f(c);
const BLOCK = 300;
const best = commands.map(() => fns.map(() => Infinity));
const blocks = Number(process.env.BLOCKS ?? "40");
for (let b = 0; b < blocks; b++) {
  commands.forEach((c, i) => {
    fns.forEach(([, f], k) => {
      const t = process.hrtime.bigint();
      for (let n = 0; n < BLOCK; n++) sink += f(c);
      const ns = Number(process.hrtime.bigint() - t) / BLOCK;
      (best[i] as number[])[k] = Math.min((best[i] as number[])[k] as number, ns);
    });
  });
}
let tr = 0, tn = 0, tp = 0;
commands.forEach((c, i) => {
  const [r, n, p] = best[i] as [number, number, number];
  tr += r; tn += n; tp += p;
  console.log(`${r.toFixed(0).padStart(6)} ${n.toFixed(0).padStart(6)} ${p.toFixed(0).padStart(6)}  new/ref ${(n / r).toFixed(2)}  ref/parse ${(r / p).toFixed(2)} new/parse ${(n / p).toFixed(2)}  ${c.slice(0, 50)}`);
});
console.log(`total new/ref ${(tn / tr).toFixed(3)}  ref/parse ${(tr / tp).toFixed(2)} new/parse ${(tn / tp).toFixed(2)}${sink > 0 ? "" : "-"}`);
