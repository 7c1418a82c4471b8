// Operator tool rules by channel / agent / sender / chat type, critical channels, high-stakes tools and the default.
import type { Action } from "../../config/schema.ts";
import type { CompiledPolicy } from "../compile.ts";
import type { CallContext, Hit, ToolCall } from "../types.ts";

function where(ctx: CallContext): string {
  const type = ctx.chatType === "unknown" ? "an unidentified (treated as shared) chat" : `a ${ctx.chatType} chat`;
  return ctx.channel ? `${type} on ${ctx.channel}` : type;
}

/** Hits from every matching operator rule (deny, escalate, allow). */
export function checkRules(policy: CompiledPolicy, call: ToolCall, ctx: CallContext): Hit[] {
  const hits: Hit[] = [];
  for (const rule of policy.rules) {
    if (!rule.matches(ctx)) continue;
    if (rule.deny(call.tool)) hits.push({ ruleId: rule.id, verdict: "block", reason: `Rule ${rule.id} denies ${call.tool} in ${where(ctx)}.` });
    else if (rule.escalate(call.tool)) hits.push({ ruleId: rule.id, verdict: "escalate", reason: `Rule ${rule.id} requires approval for ${call.tool} in ${where(ctx)}.` });
    else if (rule.allow(call.tool)) hits.push({ ruleId: rule.id, verdict: "allow", reason: `Rule ${rule.id} allows ${call.tool}.` });
  }
  return hits;
}

function byAction(action: Action, ruleId: string, reason: string): Hit {
  return { ruleId, verdict: action, reason };
}

/** What applies when no pattern or rule blocked: critical-channel gates, high-stakes action, default action. */
export function checkDefaults(policy: CompiledPolicy, call: ToolCall, ctx: CallContext, ruleHits: readonly Hit[]): Hit {
  const highStakes = policy.isHighStakes(call.tool);
  const allowedByRule = ruleHits.some((h) => h.verdict === "allow");
  if (policy.isCritical(ctx)) {
    if (highStakes) return { ruleId: "critical.high-stakes", verdict: "escalate", reason: `${call.tool} is high-stakes and ${ctx.conversation ?? ctx.channel} is a critical channel.` };
    if (!allowedByRule) return { ruleId: "critical.unlisted", verdict: "block", reason: `${call.tool} is not allowed by any rule on the critical channel ${ctx.conversation ?? ctx.channel}.` };
    return ruleHits.find((h) => h.verdict === "allow") as Hit;
  }
  if (allowedByRule) return ruleHits.find((h) => h.verdict === "allow") as Hit;
  if (highStakes) return byAction(policy.highStakesAction, "highstakes.default", `${call.tool} is high-stakes; the configured highStakesAction is ${policy.highStakesAction}.`);
  return byAction(policy.defaultAction, "policy.default", `No rule lists ${call.tool}; the configured defaultAction is ${policy.defaultAction}.`);
}
