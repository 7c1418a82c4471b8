// Built-in argument findings (from src/patterns) and operator SUSPICIOUS_PATTERNS.
import type { CompiledPolicy } from "../compile.ts";
import type { Facts, Hit, ToolCall } from "../types.ts";

export function checkPatterns(policy: CompiledPolicy, call: ToolCall, facts: Facts): Hit[] {
  const hits: Hit[] = facts.analysis.findings.map((f) => ({ ruleId: f.ruleId, verdict: f.action, reason: f.reason }));
  for (const p of policy.patterns) {
    if (!p.tools(call.tool)) continue;
    if (facts.analysis.strings.some((s) => p.re.test(s))) hits.push({ ruleId: p.id, verdict: p.action, reason: p.reason });
  }
  return hits;
}
