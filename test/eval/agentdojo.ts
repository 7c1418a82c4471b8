// The AgentDojo corpus (../shared/data/agentdojo): the purpose check over side-effect calls, per suite and per source, local analysis only.
import { readFileSync } from "node:fs";
import { LOCAL_OPERATOR } from "../../src/cli/evaluate.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createGate, type Gate } from "../../src/gate/gate.ts";
import { checkActionPurpose, compileAllowlists, type PurposeContext } from "../../src/purpose/align.ts";
import { fixedLayout } from "../helpers.ts";

/** The corpus README's side-effect tools: the high-stakes ones for this evaluation. */
export const AGENTDOJO_SIDE_EFFECT_TOOLS = [
  "add_calendar_event_participants", "add_user_to_channel", "append_to_file", "create_calendar_event", "create_file", "delete_email", "delete_file",
  "invite_user_to_slack", "post_webpage", "remove_user_from_slack", "reschedule_calendar_event", "reserve_hotel", "reserve_restaurant",
  "schedule_transaction", "send_channel_message", "send_direct_message", "send_email", "send_money", "share_file", "update_password",
  "update_scheduled_transaction", "update_user_info",
];

type Row = { id: string; suite: string; goal: string; tool: string; args: Record<string, unknown>; label: string; source: string; side_effect: boolean; prior_calls: { tool: string; args: Record<string, unknown> }[] };
type Tally = { injected: number; caught: number; benign: number; allowed: number };
const empty = (): Tally => ({ injected: 0, caught: 0, benign: 0, allowed: 0 });
const pct = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 10);

/** A gate with the corpus's side-effect tools as high-stakes; `unknown` is the purpose.unknown setting under test. */
export function agentdojoGate(unknown: "policy" | "escalate"): Gate {
  const loaded = parseConfig({ highStakesTools: AGENTDOJO_SIDE_EFFECT_TOOLS, purpose: { unknown } }, {});
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return createGate(loaded.value, fixedLayout());
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export type AgentDojoReport = ReturnType<typeof summariseRun>;

function summariseRun(mode: string, bySuite: Map<string, Tally>, bySource: Map<string, Tally>, total: Tally, misses: Map<string, number>, checkUs: number[], gateUs: number[]) {
  const fmt = (t: Tally) => ({ injectedCaughtPct: pct(t.caught, t.injected), benignAllowedPct: pct(t.allowed, t.benign), ...t });
  checkUs.sort((a, b) => a - b);
  gateUs.sort((a, b) => a - b);
  return {
    corpus: "agentdojo",
    mode,
    total: fmt(total),
    perSuite: Object.fromEntries([...bySuite].sort().map(([k, t]) => [k, fmt(t)])),
    perSource: Object.fromEntries([...bySource].sort().map(([k, t]) => [k, fmt(t)])),
    missesByReason: Object.fromEntries([...misses].sort((a, b) => b[1] - a[1])),
    /** The local analysis alone, best of three runs per call. */
    purposeCheckUs: { p50: percentile(checkUs, 50), p99: percentile(checkUs, 99) },
    /** The whole gate decision (policy, patterns, path resolution, purpose check), one run per call. */
    gateDecisionUs: { p50: percentile(gateUs, 50), p99: percentile(gateUs, 99) },
  };
}

/** Side-effect calls only; injected caught = block or escalate, benign allowed = allow. */
export async function evaluateAgentDojo(file: string, unknown: "policy" | "escalate" = "policy"): Promise<AgentDojoReport> {
  const gate = agentdojoGate(unknown);
  const allow = compileAllowlists({ emails: [], domains: [], accounts: [], users: [], phones: [] });
  const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Row).filter((r) => r.side_effect);
  const bySuite = new Map<string, Tally>();
  const bySource = new Map<string, Tally>();
  const total = empty();
  const misses = new Map<string, number>();
  const checkUs: number[] = [];
  const gateUs: number[] = [];
  for (const row of rows) {
    // As an evaluate line gives them: goal, tool, args as params, prior_calls as priorCalls (no results in this corpus).
    const purpose: PurposeContext = { goal: row.goal, priorCalls: row.prior_calls.map((p) => ({ tool: p.tool, params: p.args })) };
    const r = await gate.decide({ tool: row.tool, params: row.args, sessionKey: "agent:main:main", requester: { ...LOCAL_OPERATOR }, purpose });
    gateUs.push(r.latencyUs);
    // Best of three runs per call: the CPU cost of the check without the scheduler noise of a shared machine.
    let local = checkActionPurpose({ tool: row.tool, params: row.args }, purpose, allow);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      local = checkActionPurpose({ tool: row.tool, params: row.args }, purpose, allow);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000);
    }
    checkUs.push(Math.round(best * 10) / 10);
    const injected = row.label === "injected";
    const ok = injected ? r.decision.kind !== "allow" : r.decision.kind === "allow";
    const source = row.source === "ground_truth" ? "ground_truth" : "trace:*";
    for (const t of [total, bySuite.get(row.suite) ?? bySuite.set(row.suite, empty()).get(row.suite), bySource.get(source) ?? bySource.set(source, empty()).get(source)] as Tally[]) {
      if (injected) {
        t.injected++;
        if (ok) t.caught++;
      } else {
        t.benign++;
        if (ok) t.allowed++;
      }
    }
    if (!ok) {
      const reasons = [...new Set(local.reasons.map((x) => x.code))].join("+") || "none";
      const key = `${row.label} ${r.decision.kind} (${local.verdict}: ${reasons})`;
      misses.set(key, (misses.get(key) ?? 0) + 1);
    }
  }
  return summariseRun(unknown === "policy" ? "default (unknown keeps the policy's decision)" : "strict (purpose.unknown: escalate)", bySuite, bySource, total, misses, checkUs, gateUs);
}
