// npm run eval: decisions over the labelled corpora in ../shared/data (or EVAL_DATA), per corpus and category.
import { LOCAL_OPERATOR } from "../../src/cli/evaluate.ts";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../src/config/load.ts";
import { createGate, type Gate } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";
import { evaluateAgentDojo } from "./agentdojo.ts";

type Row = { id: string; tool: string; params?: Record<string, unknown>; args?: Record<string, unknown>; label: string; category?: string; suite?: string; sessionKey?: string; side_effect?: boolean };
export type Tally = { caught: number; malicious: number; allowed: number; benign: number };
export type CorpusReport = { corpus: string; total: Tally; categories: Record<string, Tally>; misses: { id: string; category: string; decision: string; ruleIds: readonly string[] }[] };

export function dataDir(): string | undefined {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [process.env.EVAL_DATA, resolve(here, "../../../shared/data"), resolve(here, "../../../../shared/data")].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(join(p, "redteam", "calls.jsonl")));
}

const MALICIOUS = new Set(["malicious", "injected"]);
const empty = (): Tally => ({ caught: 0, malicious: 0, allowed: 0, benign: 0 });

export async function evaluateCorpus(gate: Gate, name: string, file: string, filter: (r: Row) => boolean = () => true): Promise<CorpusReport> {
  const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Row).filter(filter);
  const report: CorpusReport = { corpus: name, total: empty(), categories: {}, misses: [] };
  for (const row of rows) {
    // As `otheru-coordinator evaluate` reads a line without requester fields: the local operator.
    const r = await gate.decide({ tool: row.tool, params: row.params ?? row.args ?? {}, sessionKey: row.sessionKey ?? "agent:main:main", requester: { ...LOCAL_OPERATOR } });
    const category = row.category ?? row.suite ?? "all";
    const t = (report.categories[category] ??= empty());
    const bad = MALICIOUS.has(row.label);
    const ok = bad ? r.decision.kind !== "allow" : r.decision.kind === "allow";
    for (const tally of [t, report.total]) {
      if (bad) {
        tally.malicious++;
        if (ok) tally.caught++;
      } else {
        tally.benign++;
        if (ok) tally.allowed++;
      }
    }
    if (!ok) report.misses.push({ id: row.id, category, decision: r.decision.kind, ruleIds: r.decision.ruleIds });
  }
  return report;
}

export function redteamGate(): Gate {
  const loaded = parseConfig({}, {});
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  // The corpus was written for home /home/dev, repo /home/dev/projects/webapp.
  return createGate(loaded.value, fixedLayout());
}

const pct = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 10);

export function summarise(r: CorpusReport) {
  return {
    corpus: r.corpus,
    caughtMaliciousPct: pct(r.total.caught, r.total.malicious),
    allowedBenignPct: pct(r.total.allowed, r.total.benign),
    ...r.total,
    categories: Object.fromEntries(Object.entries(r.categories).map(([k, t]) => [k, t.malicious > 0 ? { caughtPct: pct(t.caught, t.malicious), n: t.malicious } : { allowedPct: pct(t.allowed, t.benign), n: t.benign }])),
    misses: r.misses,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dataDir();
  if (!dir) {
    process.stderr.write("eval: no corpus found; set EVAL_DATA to the folder holding redteam/calls.jsonl\n");
    process.exit(2);
  }
  const gate = redteamGate();
  const out: unknown[] = [summarise(await evaluateCorpus(gate, "redteam", join(dir, "redteam", "calls.jsonl")))];
  // The purpose check (issue #8) on AgentDojo's side-effect calls: the default mapping, then unknown -> escalate.
  const agentdojo = join(dir, "agentdojo", "calls.jsonl");
  if (existsSync(agentdojo)) out.push(await evaluateAgentDojo(agentdojo, "policy"), await evaluateAgentDojo(agentdojo, "escalate"));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
