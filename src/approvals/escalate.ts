// One escalated call, end to end on the coordinator route: supervisor model first, then (unless its verdict
// settles it under the channel's policy) human supervisors; waits for the single-use outcome. Never allows on error.
import type { Config } from "../config/schema.ts";
import { matchesChannel } from "../policy/compile.ts";
import type { CallContext, Decision } from "../policy/types.ts";
import type { Broker } from "./broker.ts";
import type { Escalation, EscalationOutcome, SupervisorOpinion } from "./types.ts";
import type { AuditEntry } from "../audit/record.ts";
import { settleVerdict } from "./supervisor.ts";

export type EscalationRoute = { route: "coordinator" | "openclaw"; approveSuffices: boolean; allowAlways: boolean };

/** The route for a call's channel: the most specific approvals.channels entry, else approvals.route (auto resolved). */
export function routeFor(config: Config, ctx: CallContext, hasHumans: boolean): EscalationRoute {
  const a = config.approvals;
  let best: { score: number; entry: Config["approvals"]["channels"][number] } | undefined;
  for (const entry of a.channels) {
    for (const c of entry.channels) {
      if (!matchesChannel(c.toLowerCase(), ctx)) continue;
      const score = c.split(":").length;
      if (!best || score > best.score) best = { score, entry };
    }
  }
  const auto = a.supervisor.model !== undefined || hasHumans ? "coordinator" : "openclaw";
  const route = best?.entry.route ?? (a.route === "auto" ? auto : a.route);
  return { route, approveSuffices: best?.entry.modelApproveSuffices ?? a.supervisor.approveSuffices, allowAlways: best?.entry.allowAlways ?? a.allowAlways };
}

/** What the supervisor model is asked (src/approvals/supervisor.ts implements it). */
export type SupervisorReview = (input: {
  goal?: string | undefined;
  tool: string;
  argsSummary: string;
  channel?: string | undefined;
  chatType?: string | undefined;
  requester?: { senderId?: string | undefined; senderIsOwner?: boolean | undefined } | undefined;
  findings: Array<{ ruleId: string; reason: string }>;
}) => Promise<SupervisorOpinion>;

export type EscalationDeps = {
  broker: Broker;
  config: Config;
  /** Present when approvals.supervisor.model is configured. */
  review?: SupervisorReview | undefined;
  /** True when at least one supervisor chat is configured (a bot in some instance posts the cards). */
  hasHumans: boolean;
  record: (entry: AuditEntry) => Promise<unknown>;
  /** Re-read right before an approved call is let through: a stop engaged meanwhile still wins. Throws when unreadable. */
  stopEngaged: () => Promise<boolean>;
  log: { warn(msg: string): void; error(msg: string): void };
};

export type EscalatedCall = {
  tool: string;
  /** Redacted, bounded arguments. */
  argsSummary: string;
  decision: Decision;
  context: CallContext;
  goal?: string | undefined;
  toolCallId?: string | undefined;
};

export type EscalationResult = { allow: true; escalationId: string; outcome: EscalationOutcome } | { allow: false; decision: Decision; escalationId?: string | undefined };

/** model deny -> deny; model approve -> approve only where that suffices; anything else -> humans, or deny without any. */
export function settle(opinion: SupervisorOpinion | undefined, approveSuffices: boolean, hasHumans: boolean): "approve" | "deny" | "ask-humans" {
  if (!opinion) return hasHumans ? "ask-humans" : "deny";
  return settleVerdict(opinion, { modelApproveSuffices: approveSuffices, humanRoute: hasHumans });
}

function blocked(d: Decision, ruleId: string, why: string): Decision {
  return { kind: "block", ruleIds: [...d.ruleIds.filter((r) => r !== ruleId), ruleId], reason: `${why} (escalated because: ${d.reason})` };
}

export async function runEscalation(deps: EscalationDeps, call: EscalatedCall, approveSuffices: boolean): Promise<EscalationResult> {
  const d = call.decision;
  const findings = d.ruleIds.map((ruleId) => ({ ruleId, reason: d.reason }));
  let opinion: SupervisorOpinion | undefined;
  if (deps.review) {
    try {
      opinion = await deps.review({
        goal: call.goal,
        tool: call.tool,
        argsSummary: call.argsSummary,
        channel: call.context.conversation ?? call.context.channel,
        chatType: call.context.chatType,
        requester: { senderId: call.context.senderId, senderIsOwner: call.context.senderIsOwner },
        findings,
      });
    } catch (err) {
      opinion = { verdict: "ask-human", risk: "high", rationale: "The supervisor model could not be asked.", model: deps.config.approvals.supervisor.model ?? "?", ok: false, error: (err as Error).message };
    }
  }
  // Settled by the model alone: decided right after it is recorded, so it is never listed as open (no index write, nothing for sweeps).
  const settled = settle(opinion, approveSuffices, deps.hasHumans);
  let escalation: Escalation;
  try {
    escalation = await deps.broker.create(
      {
        tool: call.tool,
        argsSummary: call.argsSummary,
        ruleIds: [...d.ruleIds],
        reason: d.reason,
        sessionKey: call.context.sessionKey,
        toolCallId: call.toolCallId,
        agentId: call.context.agentId,
        channel: call.context.channel,
        chatType: call.context.chatType,
        requester: { channel: call.context.channel, senderId: call.context.senderId, senderIsOwner: call.context.senderIsOwner },
        goal: call.goal,
        supervisor: opinion,
      },
      deps.config.approvals.timeoutMs,
      { listed: settled === "ask-humans" },
    );
  } catch (err) {
    return { allow: false, decision: blocked(d, "escalation.unavailable", `The call needs approval, but the escalation could not be recorded (${(err as Error).message}), so it is blocked`) };
  }
  const id = escalation.id;
  if (opinion) {
    void deps
      .record({ kind: "escalation", action: "model-verdict", id, tool: call.tool, verdict: opinion.verdict, risk: opinion.risk, rationale: opinion.rationale, model: opinion.model, ok: opinion.ok, error: opinion.error ?? null })
      .catch((err: unknown) => deps.log.error(`otheru-coordinator: could not audit the supervisor verdict for ${id}: ${(err as Error).message}`));
  }
  let outcome: EscalationOutcome;
  try {
    if (settled === "ask-humans") outcome = await deps.broker.wait(id);
    else {
      const note = settled === "deny" && !(opinion?.ok && opinion.verdict === "deny") ? "no human supervisor is configured and the model did not settle it" : opinion?.rationale;
      const r = await deps.broker.decide(id, settled === "approve" ? "approved" : "denied", settled === "deny" && !(opinion?.ok && opinion.verdict === "deny") ? { via: "system" } : { via: "model" }, note);
      outcome = r.ok ? r.outcome : { state: "denied", by: { via: "system" }, at: new Date().toISOString(), note: "the escalation record vanished" };
    }
  } catch (err) {
    return { allow: false, escalationId: id, decision: blocked(d, "escalation.unavailable", `The escalation could not be decided (${(err as Error).message}), so the call is blocked`) };
  }
  if (outcome.state === "approved") {
    let stopped: boolean;
    try {
      stopped = await deps.stopEngaged();
    } catch {
      stopped = true;
    }
    if (stopped) return { allow: false, escalationId: id, decision: { kind: "block", ruleIds: ["killswitch.engaged"], reason: "The call was approved, but the emergency stop is engaged (or cannot be read), so it is blocked." } };
    return { allow: true, escalationId: id, outcome };
  }
  const who = outcome.by.via === "model" ? "the supervisor model" : outcome.by.via === "system" ? "the coordinator" : `a supervisor (${outcome.by.via})`;
  const why =
    outcome.state === "denied"
      ? `Denied by ${who}${outcome.note ? `: ${outcome.note.slice(0, 200)}` : ""}`
      : outcome.state === "expired"
        ? `No supervisor decided within ${Math.round(deps.config.approvals.timeoutMs / 1000)} s, so the call is denied`
        : `The escalation was cancelled${outcome.note ? ` (${outcome.note.slice(0, 200)})` : ""}, so the call is blocked`;
  return { allow: false, escalationId: id, decision: blocked(d, `escalation.${outcome.state}`, why) };
}
