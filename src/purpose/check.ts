// The purpose check as the gate runs it: config compiled once, the local analysis, the optional judge, verdict -> decision.
import type { Config } from "../config/schema.ts";
import { matchesChannel } from "../policy/compile.ts";
import type { CallContext, Decision, ToolCall } from "../policy/types.ts";
import { checkActionPurpose, type CompiledAllowlists, compileAllowlists, type PurposeContext, type PurposeReason, type PurposeResult } from "./align.ts";
import { type AskJson, askJudge } from "./judge.ts";

export type PurposeConfig = Config["purpose"];
type Misaligned = PurposeConfig["misaligned"];
type Unknown = PurposeConfig["unknown"];

export type PurposeOutcome = { decision: Decision; result: PurposeResult | undefined; judged?: "aligned" | "misaligned" | "unknown" | undefined };

export type PurposeCheck = {
  /** Whether any channel runs the check at all. */
  readonly enabled: boolean;
  /** Applies the check to a high-stakes call the policy already decided; returns the final decision. */
  apply(call: ToolCall, ctx: CallContext, purpose: PurposeContext | undefined, policy: Decision, critical: boolean): Promise<PurposeOutcome>;
};

export type PurposeCheckOptions = {
  /** The judge model's askJson (createModelClient(config.models[judge.model]).askJson); absent = no judge. */
  judge?: AskJson | undefined;
};

const SEVERITY: Readonly<Record<Decision["kind"], number>> = { allow: 0, escalate: 1, block: 2 };

function summary(reasons: readonly PurposeReason[]): string {
  const details = [...new Set(reasons.map((r) => r.detail))].slice(0, 2);
  return details.join("; ");
}

function codes(reasons: readonly PurposeReason[]): string[] {
  return [...new Set(reasons.map((r) => r.code))];
}

/**
 * The more severe of two decisions. At equal severity both are kept (a critical channel's escalation also names the
 * purpose findings, so the supervisor sees them); a more severe policy decision stands alone.
 */
function atLeast(policy: Decision, kind: "escalate" | "block", ruleIds: readonly string[], reason: string): Decision {
  if (SEVERITY[policy.kind] > SEVERITY[kind]) return policy;
  if (SEVERITY[policy.kind] === SEVERITY[kind]) return { ...policy, ruleIds: [...new Set([...policy.ruleIds, ...ruleIds])], reason: `${policy.reason} ${reason}` };
  return { kind, ruleIds, reason };
}

export function createPurposeCheck(config: Config, options: PurposeCheckOptions = {}): PurposeCheck {
  const p = config.purpose;
  const allow: CompiledAllowlists = compileAllowlists(p.allow);
  const overrides = p.channels.map((c) => ({ ...c, match: c.match.map((m) => m.toLowerCase()) }));
  const judgeChannels = p.judge?.channels?.map((c) => c.toLowerCase());
  const judge = p.judge && options.judge ? { ask: options.judge, timeoutMs: p.judge.timeoutMs } : undefined;

  function settings(ctx: CallContext): { enabled: boolean; misaligned: Misaligned; unknown: Unknown } {
    const o = overrides.find((c) => c.match.some((m) => matchesChannel(m, ctx)));
    return { enabled: o?.enabled ?? p.enabled, misaligned: o?.misaligned ?? p.misaligned, unknown: o?.unknown ?? p.unknown };
  }

  return {
    enabled: p.enabled || overrides.some((o) => o.enabled === true),
    async apply(call, ctx, purpose, policy, critical) {
      const s = settings(ctx);
      if (!s.enabled || policy.kind === "block") return { decision: policy, result: undefined };
      let result = checkActionPurpose(call, purpose ?? { goal: undefined }, allow);
      let judged: PurposeOutcome["judged"];
      // The judge only settles what the local analysis could not; a confident local verdict stands.
      if (result.verdict === "unknown" && judge && purpose?.goal && (judgeChannels === undefined || judgeChannels.some((m) => matchesChannel(m, ctx)))) {
        const j = await askJudge(judge.ask, purpose.goal, call, judge.timeoutMs);
        judged = j.verdict;
        if (j.verdict !== "unknown") {
          result = {
            ...result,
            verdict: j.verdict,
            confidence: "medium",
            reasons: j.verdict === "misaligned" ? [...result.reasons, { code: "purpose.judge", detail: `the judge model: ${j.reason}` }] : result.reasons,
          };
        }
      }
      switch (result.verdict) {
        case "aligned":
          return { decision: policy, result, judged };
        case "misaligned": {
          const kind = s.misaligned === "auto" ? (critical ? "escalate" : "block") : s.misaligned;
          const reason = `The call does not serve what the user asked for: ${summary(result.reasons)}.`;
          return { decision: atLeast(policy, kind, ["purpose.misaligned", ...codes(result.reasons)], reason), result, judged };
        }
        case "unknown": {
          if (s.unknown === "policy") return { decision: policy, result, judged };
          const reason = `The coordinator cannot tell whether the call serves what the user asked for: ${summary(result.reasons)}.`;
          return { decision: atLeast(policy, s.unknown, ["purpose.unknown", ...codes(result.reasons)], reason), result, judged };
        }
        default: {
          const never: never = result.verdict;
          return never;
        }
      }
    },
  };
}

/** Cross-key config problems of the purpose block (for loadConfig): the judge must name an entry of models. */
export function purposeConfigProblems(config: Config): { path: string; problem: string; fix: string }[] {
  const name = config.purpose.judge?.model;
  // hasOwn: "constructor" or "tostring" would otherwise find Object.prototype's members.
  if (name === undefined || Object.hasOwn(config.models, name)) return [];
  const known = Object.keys(config.models);
  return [
    {
      path: "purpose.judge.model",
      problem: `names "${name}", which is not an entry of models`,
      fix: known.length > 0 ? `use one of ${known.map((k) => `"${k}"`).join(", ")} or add models.${name}` : `add models.${name} ({"provider": "openai", "baseUrl": …, "model": …})`,
    },
  ];
}
