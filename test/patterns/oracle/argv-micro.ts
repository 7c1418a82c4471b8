// Microbenchmark of computeArgv on the bench commands' Command nodes (fresh parse each round, as in an analysis).
import { type Command, forEachChild, parse, type SyntaxNode } from "unbash";
import { benchCorpus } from "../../bench/corpus.ts";

const mod = (await import(process.env.AB_REF as string)) as { computeArgv: (vars: undefined, cmd: Command) => unknown };
const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))];
const cmdsOf = (src: string): Command[] => {
  const out: Command[] = [];
  const visit = (n: SyntaxNode): void => {
    if (n.type === "Command") out.push(n);
    if (n.type !== "Word") forEachChild(n, visit);
  };
  visit(parse(src));
  return out;
};
let sink = 0;
const N = 20000;
for (let r = 0; r < 3; r++) {
  let tParse = 0n, tArgv = 0n;
  for (let i = 0; i < N; i++) for (const c of commands) {
    let t = process.hrtime.bigint();
    const cmds = cmdsOf(c);
    tParse += process.hrtime.bigint() - t;
    t = process.hrtime.bigint();
    for (const cmd of cmds) sink += (mod.computeArgv(undefined, cmd) as { argv: string[] }).argv.length;
    tArgv += process.hrtime.bigint() - t;
  }
  console.log(`parse+collect ${Number(tParse) / N / commands.length | 0} ns, computeArgv ${Number(tArgv) / N / commands.length | 0} ns per command string`);
}
console.log(sink > 0 ? "" : "-");
