// analyseShell alone over the bench commands in a loop, for a CPU profile.
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const commands = [...new Set(benchCorpus(22).map((c) => (c.params as { command?: unknown }).command).filter((c): c is string => typeof c === "string"))].filter((c) => process.env.ONLY === undefined || c.includes(process.env.ONLY));
const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
let sink = 0;
const t = process.hrtime.bigint();
const ROUNDS = Number(process.env.ROUNDS ?? "100000");
for (let r = 0; r < ROUNDS; r++) for (const c of commands) sink += analyseShell(c, env).findings.length;
console.log(`${(Number(process.hrtime.bigint() - t) / ROUNDS / commands.length).toFixed(0)} ns per call`, sink > 0 ? "" : "-");
