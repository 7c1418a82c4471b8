// Per-command cost of analyseShell beside a bare unbash parse (bench workload), for finding what to cut.
import { parse } from "unbash";
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))];
const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
const ROUNDS = Number(process.env.ROUNDS ?? "3000");
let sink = 0;
for (let r = 0; r < 2000; r++) for (const c of commands) sink += analyseShell(c, env).findings.length + parse(c).commands.length;
const a = commands.map(() => [] as number[]);
const p = commands.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  commands.forEach((c, i) => {
    let t = process.hrtime.bigint();
    sink += analyseShell(c, env).findings.length;
    a[i]!.push(Number(process.hrtime.bigint() - t));
    t = process.hrtime.bigint();
    sink += parse(c).commands.length;
    p[i]!.push(Number(process.hrtime.bigint() - t));
  });
}
const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]! / 1000;
commands.forEach((c, i) => console.log(`${med(a[i]!).toFixed(2).padStart(7)} ${med(p[i]!).toFixed(2).padStart(7)} ${(med(a[i]!) / med(p[i]!)).toFixed(1).padStart(5)}  ${c}`));
const all = a.flat(), allp = p.flat();
console.log(`p50 ${med(all)} / ${med(allp)} = ${(med(all) / med(allp)).toFixed(2)}`, sink > 0 ? "" : "");
