// The shell part of `npm run bench`: analyseShell() beside a bare unbash parse and a parse plus full traversal of
// the same commands, interleaved command by command. Shared by bench.ts and test/patterns/oracle/shell-bench.ts.
import { forEachChild, parse, type SyntaxNode } from "unbash";
import type { analyseShell } from "../../src/patterns/shell.ts";

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summary(samplesNs: Float64Array): { p50Us: number; p99Us: number; meanUs: number } {
  const sorted = Float64Array.from(samplesNs).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const us = (ns: number) => Math.round(ns / 10) / 100;
  return { p50Us: us(percentile(sorted, 50)), p99Us: us(percentile(sorted, 99)), meanUs: us(mean) };
}

/** A parse that also builds every lazy node (word parts, substitutions), as any full traversal must. */
function parseAndWalk(src: string): number {
  let n = 0;
  const visit = (node: SyntaxNode): void => {
    n++;
    forEachChild(node, visit);
  };
  visit(parse(src));
  return n;
}

export type ShellTimes = { analyseNs: Float64Array; parseNs: Float64Array; walkNs: Float64Array; sink: number };

/** Times each command three ways after warming all three alike on the first `warmup` commands. */
export function timeShell(commands: readonly string[], analyse: typeof analyseShell, warmup: number): ShellTimes {
  const env = { home: "/home/dev", cwd: "/home/dev/projects/webapp" };
  const analyseNs = new Float64Array(commands.length);
  const parseNs = new Float64Array(commands.length);
  const walkNs = new Float64Array(commands.length);
  let sink = 0;
  for (const command of commands.slice(0, warmup)) sink += analyse(command, env).findings.length + parse(command).commands.length + parseAndWalk(command);
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i] as string;
    let t = process.hrtime.bigint();
    sink += analyse(command, env).findings.length;
    analyseNs[i] = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    sink += parse(command).commands.length;
    parseNs[i] = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    sink += parseAndWalk(command);
    walkNs[i] = Number(process.hrtime.bigint() - t);
  }
  return { analyseNs, parseNs, walkNs, sink };
}
