// Host event + ctx -> gate input; Decision -> before_tool_call result. Any failure here blocks the call.
import type { Gate } from "../../gate/gate.ts";
import { formatReason } from "../../gate/gate.ts";
import { dayFile } from "../../audit/record.ts";
import { workspaceFor } from "../../gate/host.ts";
import { appendDecisionNote, noteLine } from "../../memory/decision-notes.ts";
import type { CallContext, Decision } from "../../policy/types.ts";
import type { EscalatedCall, EscalationResult, EscalationRoute } from "../../approvals/escalate.ts";
import type { Grants } from "../../approvals/grants.ts";
import type { PendingEscalations } from "../../approvals/pending.ts";
import { type CredentialInjector, withEnv } from "../../credentials/inject.ts";

/** The parts of OpenClaw's before_tool_call event and ctx we read (all optional: the host may omit any). */
export type ToolCallEvent = { toolName?: unknown; params?: unknown; derivedPaths?: readonly string[] | undefined; toolCallId?: string | undefined; runId?: string | undefined };
export type ToolCallCtx = {
  agentId?: string | undefined;
  sessionKey?: string | undefined;
  requester?: { channel?: string | undefined; accountId?: string | undefined; senderId?: string | undefined; senderIsOwner?: boolean | undefined } | undefined;
};

export type HookResult =
  | undefined
  | { block: true; blockReason: string }
  | { params: Record<string, unknown> }
  | {
      /** Scoped credentials: an escalated exec carries only blanks (see withCredentials). */
      params?: Record<string, unknown>;
      requireApproval: {
        title: string;
        description: string;
        severity: "warning" | "critical";
        timeoutMs: number;
        allowedDecisions: Array<"allow-once" | "allow-always" | "deny">;
        onResolution: (decision: string) => void;
      };
    };

export type HookLog = { info(msg: string): void; warn(msg: string): void; error(msg: string): void };

const MAX_SUMMARY = 400;

export function summariseParams(params: unknown, scrub: (s: string) => string, max = MAX_SUMMARY): string {
  let text: string;
  try {
    text = JSON.stringify(params) ?? "{}";
  } catch {
    text = "[unserialisable arguments]";
  }
  text = scrub(text);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function toHookResult(
  decision: Decision,
  tool: string,
  params: unknown,
  approvalTimeoutMs: number,
  log: HookLog,
  onResolved: ((outcome: string) => void) | undefined,
  scrub: (s: string) => string,
  allowAlways = false,
): HookResult {
  switch (decision.kind) {
    case "allow":
      return undefined;
    case "block":
      return { block: true, blockReason: scrub(formatReason(decision)) };
    case "escalate":
      return {
        requireApproval: {
          title: `otheru-coordinator: approve ${tool}?`,
          description: `${scrub(decision.reason)} [${decision.ruleIds.join(", ")}]${decision.evidence ? `\nTriggered by: ${scrub(decision.evidence).slice(0, 200)}` : ""}\nArguments: ${summariseParams(params, scrub)}`,
          severity: decision.ruleIds.some((id) => id.startsWith("critical.")) ? "critical" : "warning",
          timeoutMs: approvalTimeoutMs,
          allowedDecisions: allowAlways ? ["allow-once", "allow-always", "deny"] : ["allow-once", "deny"],
          onResolution: (outcome) => {
            log.info(`otheru-coordinator: approval for ${tool} [${decision.ruleIds.join(", ")}] resolved: ${outcome}`);
            onResolved?.(outcome);
          },
        },
      };
    default: {
      const never: never = decision.kind;
      return { block: true, blockReason: `otheru-coordinator: unknown decision ${String(never)}; blocked [engine.error]` };
    }
  }
}

/** Decisions waiting for their outcome (after_tool_call), by toolCallId; bounded. */
export type PendingDecisions = Map<string, { tool: string; params: unknown; decision: string; ruleIds: readonly string[]; sessionKey?: string | undefined; chatType: string; senderId?: string | undefined; agentId?: string | undefined }>;
const MAX_PENDING = 2_000;

/** The coordinator's own escalation route (supervisor model + human supervisors); undefined: OpenClaw's approvals only. */
export type CoordinatorEscalation = {
  routeFor(ctx: CallContext): EscalationRoute;
  run(call: EscalatedCall, approveSuffices: boolean): Promise<EscalationResult>;
  /** Standing allow-always grants of the OpenClaw route. */
  grants?: Grants | undefined;
  /** The user's stated goal for the call's session (redacted, bounded), when the purpose check captured one. */
  goalFor?: ((sessionKey: string | undefined, runId: string | undefined) => string | undefined) | undefined;
};

const ESCALATION_ARGS_MAX = 1_500;

/** The before_tool_call handler. It never throws: a failure becomes a block with its reason. */
export function createBeforeToolCall(
  gate: Gate,
  approvalTimeoutMs: number,
  log: HookLog,
  pending?: PendingDecisions,
  escalations?: PendingEscalations,
  credentials?: CredentialInjector,
  coordinator?: CoordinatorEscalation,
) {
  return async (event: ToolCallEvent, ctx: ToolCallCtx): Promise<HookResult> => {
    const tool = typeof event?.toolName === "string" ? event.toolName : "";
    try {
      const result = await gate.decide({
        tool,
        params: event?.params,
        sessionKey: ctx?.sessionKey,
        agentId: ctx?.agentId,
        requester: ctx?.requester,
        derivedPaths: event?.derivedPaths,
        toolCallId: event?.toolCallId,
        runId: event?.runId,
      });
      const d = result.decision;
      if (pending && event?.toolCallId) {
        if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
        const c = result.context;
        pending.set(event.toolCallId, { tool, params: event.params, decision: d.kind, ruleIds: d.ruleIds, sessionKey: c.sessionKey, chatType: c.chatType, senderId: c.senderId, agentId: c.agentId });
      }
      if (d.kind !== "allow") {
        log.warn(`otheru-coordinator: ${d.kind} ${tool || "(no tool)"} session=${ctx?.sessionKey ?? "?"} [${d.ruleIds.join(", ")}] ${d.reason}`);
      }
      const route = d.kind === "escalate" ? coordinator?.routeFor(result.context) : undefined;
      if (coordinator && route) {
        if (route.route === "coordinator") {
          // The hook waits here: OpenClaw's hook budget must outlive approvals.timeoutMs (checked at startup).
          const argsSummary = summariseParams(event?.params, (s) => (gate.audit ? gate.audit.redact(s) : gate.scrub(s)), ESCALATION_ARGS_MAX);
          const goal = coordinator.goalFor?.(ctx?.sessionKey, event?.runId);
          const listed = escalations?.add({ tool, ruleIds: d.ruleIds, sessionKey: ctx?.sessionKey, timeoutMs: approvalTimeoutMs });
          const r = await coordinator.run({ tool, argsSummary, decision: d, context: result.context, goal: goal === undefined ? undefined : gate.scrub(goal), toolCallId: event?.toolCallId }, route.approveSuffices);
          if (listed) escalations?.resolve(listed);
          if (pending && event?.toolCallId) {
            const entry = pending.get(event.toolCallId);
            if (entry) entry.decision = r.allow ? "allow" : "block";
          }
          if (!r.allow) {
            log.warn(`otheru-coordinator: escalation of ${tool} ended: block [${r.decision.ruleIds.join(", ")}] ${r.decision.reason}`);
            return { block: true, blockReason: gate.scrub(formatReason(r.decision)) };
          }
          log.info(`otheru-coordinator: escalation ${r.escalationId} of ${tool} approved (${r.outcome.by.via}${r.outcome.by.userId ? `:${r.outcome.by.userId}` : ""})`);
          return credentials ? withCredentials(undefined, credentials, { tool, params: event?.params, decision: "allow", sessionKey: ctx?.sessionKey }, log) : undefined;
        }
      }
      // OpenClaw route: a standing allow-always grant for exactly this call (channel, agent, tool, arguments) lets it run.
      const allowAlways = coordinator?.grants !== undefined && route?.allowAlways === true;
      if (allowAlways && coordinator?.grants) {
        const grant = await coordinator.grants.find(result.context, tool, event?.params).catch((err: unknown) => {
          log.warn(`otheru-coordinator: standing grants cannot be read (${(err as Error).message}); asking for approval`);
          return undefined;
        });
        if (grant) {
          void gate.audit?.event({ kind: "escalation", action: "grant-used", grant: grant.id, tool, toolCallId: event?.toolCallId ?? null, sessionKey: ctx?.sessionKey ?? null, ruleIds: [...d.ruleIds] }).catch(() => undefined);
          log.info(`otheru-coordinator: ${tool} runs under standing grant ${grant.id} (revoke: otheru-coordinator approvals revoke ${grant.id})`);
          if (pending && event?.toolCallId) {
            const entry = pending.get(event.toolCallId);
            if (entry) entry.decision = "allow";
          }
          return credentials ? withCredentials(undefined, credentials, { tool, params: event?.params, decision: "allow", sessionKey: ctx?.sessionKey }, log) : undefined;
        }
      }
      const waiting = d.kind === "escalate" ? escalations?.add({ tool, ruleIds: d.ruleIds, sessionKey: ctx?.sessionKey, timeoutMs: approvalTimeoutMs }) : undefined;
      const onResolution = (outcome: string) => {
        if (waiting) escalations?.resolve(waiting);
        void gate.audit?.event({ kind: "approval", tool, toolCallId: event?.toolCallId ?? null, sessionKey: ctx?.sessionKey ?? null, ruleIds: [...d.ruleIds], outcome }).catch(() => undefined);
        if (outcome === "allow-always" && allowAlways && coordinator?.grants) {
          const summary = summariseParams(event?.params, (s) => (gate.audit ? gate.audit.redact(s) : gate.scrub(s)));
          void coordinator.grants
            .add(result.context, tool, event?.params, summary)
            .then((g) => gate.audit?.event({ kind: "escalation", action: "grant-added", grant: g.id, tool, channel: g.channel, agentId: g.agentId, fingerprint: g.fingerprint }))
            .catch((err: unknown) => log.error(`otheru-coordinator: the allow-always for ${tool} could not be remembered: ${(err as Error).message}`));
        }
      };
      const hookResult = toHookResult(d, tool, event?.params, approvalTimeoutMs, log, onResolution, (s) => gate.scrub(s), allowAlways);
      return credentials ? withCredentials(hookResult, credentials, { tool, params: event?.params, decision: d.kind, sessionKey: ctx?.sessionKey }, log) : hookResult;
    } catch (err) {
      log.error(`otheru-coordinator: hook failure on ${tool || "(no tool)"}: ${(err as Error).message}`);
      return { block: true, blockReason: `otheru-coordinator: the coordinator failed while checking this call, so it is blocked [engine.error]` };
    }
  };
}

/**
 * Scoped credentials for an exec the policy already decided: an allowed call gets its scoped values, allowed and
 * escalated calls get blanks for credentials the gateway exports. A block stays a block; a failure here only means
 * no override (the value is never in the message).
 */
function withCredentials(result: HookResult, credentials: CredentialInjector, call: Parameters<CredentialInjector["envFor"]>[0], log: HookLog): HookResult {
  let env: Record<string, string> | undefined;
  try {
    env = credentials.envFor(call);
  } catch (err) {
    log.error(`otheru-coordinator: scoped credentials for ${call.tool} could not be worked out (${(err as Error).name}); the call runs without them`);
    return result;
  }
  if (env === undefined) return result;
  if (result === undefined) return call.decision === "allow" ? { params: withEnv(call.params, env) } : result;
  if ("requireApproval" in result) {
    const blanks = Object.fromEntries(Object.entries(env).filter(([, v]) => v === ""));
    return Object.keys(blanks).length > 0 ? { ...result, params: withEnv(call.params, blanks) } : result;
  }
  return result;
}

/** message_received / before_prompt_build: record policy-override attempts; never changes anything. */
export function createOverrideWatcher(gate: Gate, log: HookLog, seen: { count: number }, now: () => number = Date.now) {
  // message_received and before_prompt_build both see a channel turn's text: record each attempt once.
  const recent = new Map<string, number>();
  const DEDUPE_MS = 60_000;
  return (text: unknown, where: { hook: string; sessionKey?: string | undefined; senderId?: string | undefined }): void => {
    if (typeof text !== "string" || text.length === 0) return;
    const hit = gate.detectOverride(text);
    if (!hit) return;
    const t = now();
    const key = `${where.sessionKey ?? "?"}\u0000${text.length > 4_000 ? `${text.slice(0, 4_000)}#${text.length}` : text}`;
    const last = recent.get(key);
    if (last !== undefined && t - last < DEDUPE_MS) return;
    recent.delete(key);
    recent.set(key, t);
    if (recent.size > 500) recent.delete(recent.keys().next().value as string);
    seen.count++;
    void gate.audit?.event({ kind: "override.attempt", hook: where.hook, sessionKey: where.sessionKey ?? null, sender: where.senderId ?? null, matched: hit.matched, policyHash: gate.policyHash }).catch(() => undefined);
    log.warn(
      `otheru-coordinator: policy override attempt recorded [${hit.ruleId}] via ${where.hook} session=${where.sessionKey ?? "?"} sender=${where.senderId ?? "?"} matched=${JSON.stringify(gate.scrub(hit.matched))}; policy unchanged (hash ${gate.policyHash.slice(0, 12)})`,
    );
  };
}

/** The parts of OpenClaw's after_tool_call event we read. */
export type AfterToolCallEvent = { toolName?: unknown; toolCallId?: string | undefined; runId?: string | undefined; result?: unknown; error?: unknown; durationMs?: unknown };

export type NotesOptions = { enabled: boolean; dir: string; timeZone: string; pending: PendingDecisions };

/** after_tool_call: the outcome record (ran / blocked / error) that pairs with the call's before-record, and the day's decision note. */
export function createAfterToolCall(gate: Gate, log: HookLog, notes?: NotesOptions) {
  return async (event: AfterToolCallEvent, ctx: ToolCallCtx): Promise<void> => {
    const details = (event?.result as { details?: { status?: unknown } } | undefined)?.details;
    const outcome = details?.status === "blocked" ? "blocked" : event?.error !== undefined && event.error !== null ? "error" : "ran";
    const decided = event?.toolCallId ? notes?.pending.get(event.toolCallId) : undefined;
    if (notes?.enabled && decided && event?.toolCallId) {
      notes.pending.delete(event.toolCallId);
      try {
        const now = new Date();
        // The arguments' JSON gets the deep redaction (our shapes, configured values and secretlint's rules).
        let raw: string | undefined;
        try {
          raw = JSON.stringify(decided.params);
        } catch {
          raw = undefined;
        }
        const deep = gate.audit && raw !== undefined ? await gate.audit.redactDeep(raw) : undefined;
        const redact = (s: string) => (s === raw && deep !== undefined ? deep : gate.audit ? gate.audit.redact(s) : gate.scrub(s));
        const line = noteLine({ time: now, tool: decided.tool, params: decided.params, decision: decided.decision, ruleIds: decided.ruleIds, outcome, sessionKey: decided.sessionKey, chatType: decided.chatType, senderId: decided.senderId }, notes.timeZone, redact);
        appendDecisionNote(workspaceFor(gate.layout, decided.agentId), notes.dir, dayFile(now, notes.timeZone).replace(/\.jsonl$/, ""), line);
      } catch (err) {
        log.error(`otheru-coordinator: could not write the decision note for ${decided.tool}: ${(err as Error).message}`);
      }
    }
    if (!gate.audit) return;
    try {
      await gate.audit.after({
        tool: typeof event?.toolName === "string" ? event.toolName : "",
        toolCallId: event?.toolCallId,
        runId: event?.runId,
        sessionKey: ctx?.sessionKey,
        outcome,
        durationMs: typeof event?.durationMs === "number" ? event.durationMs : undefined,
        result: event?.result,
        error: event?.error === undefined || event.error === null ? undefined : String(event.error),
      });
    } catch (err) {
      log.error(`otheru-coordinator: could not record the outcome of ${String(event?.toolName)}: ${(err as Error).message}`);
    }
  };
}
