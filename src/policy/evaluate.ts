// evaluate(call, context, facts) -> Decision. Pure: no I/O, no clock, no globals. The most severe hit wins.
import type { CompiledPolicy } from "./compile.ts";
import { checkDefaults, checkRules } from "./rules/channel-rules.ts";
import { checkFilesystem } from "./rules/filesystem.ts";
import { checkPatterns } from "./rules/patterns.ts";
import { checkPrivateMemory } from "./rules/private-memory.ts";
import { checkSelfProtect } from "./rules/self-protect.ts";
import type { CallContext, Decision, Facts, Hit, ToolCall, Verdict } from "./types.ts";

const SEVERITY: Readonly<Record<Verdict, number>> = { allow: 0, escalate: 1, block: 2 };

function decide(hits: readonly Hit[]): Decision {
  let top: Verdict = "allow";
  for (const h of hits) if (SEVERITY[h.verdict] > SEVERITY[top]) top = h.verdict;
  const chosen = hits.filter((h) => h.verdict === top);
  const first = chosen[0];
  if (!first) return { kind: "block", ruleIds: ["engine.no-decision"], reason: "The policy engine reached no decision, so the call is blocked." };
  const evidence = chosen.find((h) => h.evidence !== undefined)?.evidence;
  const decision: Decision = { kind: top, ruleIds: [...new Set(chosen.map((h) => h.ruleId))], reason: first.reason };
  if (evidence !== undefined) decision.evidence = evidence;
  return decision;
}

export function evaluate(policy: CompiledPolicy, call: ToolCall, ctx: CallContext, facts: Facts): Decision {
  if (typeof call.tool !== "string" || call.tool.length === 0) {
    return { kind: "block", ruleIds: ["input.invalid"], reason: "The tool call has no tool name." };
  }
  const hits: Hit[] = [];
  const self = checkSelfProtect(call, facts);
  if (self) hits.push(self);
  const fs = checkFilesystem(call, facts);
  if (fs) hits.push(fs);
  const memory = checkPrivateMemory(policy.privateMemory, call, ctx, facts);
  if (memory) hits.push(memory);
  hits.push(...checkPatterns(policy, call, facts));
  const ruleHits = checkRules(policy, call, ctx);
  hits.push(...ruleHits.filter((h) => h.verdict !== "allow"));
  if (!hits.some((h) => h.verdict === "block")) hits.push(checkDefaults(policy, call, ctx, ruleHits));
  return decide(hits);
}
