// The one decision path shared by the before_tool_call hook and `otheru-coordinator evaluate`.
import type { LoadedConfig } from "../config/load.ts";
import { analyseCall } from "../patterns/call.ts";
import { compileOverrideDetector, type OverrideAttempt } from "../patterns/override.ts";
import { compilePolicy, type CompiledPolicy } from "../policy/compile.ts";
import { evaluate } from "../policy/evaluate.ts";
import { parseSessionKey } from "../policy/session.ts";
import type { CallContext, Decision } from "../policy/types.ts";
import { type AuditTrail, createAuditTrail } from "../audit/trail.ts";
import { type HostLayout, realPathOf, resolveRealPaths, workspaceFor } from "./host.ts";
import { bridgedCalls } from "../policy/tools.ts";
import type { CallAnalysis } from "../patterns/call.ts";
import { join } from "node:path";
import { scanOutgoing } from "./outgoing.ts";
import { readKillSwitch } from "../state/killswitch.ts";
import type { StateStore } from "../state/store.ts";
import { createScrubber } from "../ops/scrub.ts";
import type { PurposeContext } from "../purpose/align.ts";
import { createPurposeCheck } from "../purpose/check.ts";
import type { RequesterFacts } from "../purpose/goals.ts";
import type { AskJson } from "../purpose/judge.ts";
import { createModelClient } from "../models/client.ts";

export type Requester = { channel?: string | undefined; accountId?: string | undefined; senderId?: string | undefined; senderIsOwner?: boolean | undefined };

/** A tool call as either the host or an evaluate line presents it; fields are untrusted. */
export type GateInput = {
  tool: unknown;
  params: unknown;
  sessionKey?: string | undefined;
  agentId?: string | undefined;
  requester?: Requester | undefined;
  derivedPaths?: readonly string[] | undefined;
  toolCallId?: string | undefined;
  runId?: string | undefined;
  /** The user's goal and the run's earlier calls, given explicitly (evaluate); otherwise the goal store's. */
  purpose?: PurposeContext | undefined;
};

/** A per-peer DM session (…:direct:<peer>): one person's own chat. The agent's main session is shared by every DM by default. */
export function isPrivateDm(sessionKey: string | undefined): boolean {
  return sessionKey !== undefined && parseSessionKey(sessionKey).chatType === "direct" && /:direct:/u.test(sessionKey);
}

/** Where the purpose check finds a call's goal: the goal store the OpenClaw hooks fill. */
export type PurposeContextProvider = { contextFor(sessionKey: string, runId: string | undefined, who: RequesterFacts): PurposeContext | undefined };

/** Paths resolved on disk per call (symlinks, ..): beyond this the call escalates rather than go unchecked. */
const MAX_PATHS = 64;

export type GateResult = { decision: Decision; context: CallContext; latencyUs: number };

export type Gate = {
  readonly policyHash: string;
  readonly policy: CompiledPolicy;
  readonly layout: HostLayout;
  decide(input: GateInput): Promise<GateResult>;
  detectOverride(text: string): OverrideAttempt | undefined;
  /** The audit trail every decision is recorded in (undefined when auditing is off). */
  readonly audit: AuditTrail | undefined;
  /** The shared state store holding the kill switch (undefined only in tests of the bare engine). */
  readonly store: StateStore | undefined;
  /** Removes every secret the coordinator knows (configured values, credential shapes) from text shown or kept anywhere. */
  scrub(text: string): string;
};

/** Where decisions are recorded: the configured audit dir, an explicit one (evaluate --audit-dir), or nowhere. */
export type GateOptions = {
  audit?: "config" | { dir: string } | false;
  store?: StateStore | undefined;
  /** A scrubber already compiled from loaded.secretValues (register shares one with the operational log). */
  scrub?: ((text: string) => string) | undefined;
  /** The goal store (the hook's); evaluate passes goals per line instead. */
  goals?: PurposeContextProvider | undefined;
  /** The purpose judge's askJson; default: a client for config.models[purpose.judge.model]. */
  judge?: AskJson | undefined;
};

function trailFor(loaded: LoadedConfig, layout: HostLayout, choice: GateOptions["audit"]): AuditTrail | undefined {
  const a = loaded.config.audit;
  if (choice === undefined || choice === false || (choice === "config" && !a.enabled)) return undefined;
  const dir = choice === "config" ? layout.auditDir : choice.dir;
  return createAuditTrail({
    dir,
    timeZone: a.timeZone,
    checkpointEvery: a.checkpointEvery,
    checkpointSeconds: a.checkpointSeconds,
    signingKeyPath: layout.signingKey,
    secretValues: loaded.secretValues,
    redactionKeyPath: join(choice === "config" ? layout.stateDir : dir, "redaction.key"),
    policyHash: loaded.policyHash,
  });
}

export function contextFor(input: Pick<GateInput, "sessionKey" | "agentId" | "requester">): CallContext {
  const shape = parseSessionKey(input.sessionKey);
  const r = input.requester;
  return {
    agentId: input.agentId?.toLowerCase() ?? shape.agentId,
    sessionKey: input.sessionKey,
    channel: r?.channel?.toLowerCase() ?? shape.channel,
    conversation: shape.conversation,
    chatType: shape.chatType,
    senderId: r?.senderId,
    senderIsOwner: r?.senderIsOwner,
  };
}

/** Fold a bridged inner call's analysis into the outer one: its paths, findings, shell and strings are the call's. */
function mergeAnalysis(outer: CallAnalysis, inner: CallAnalysis): void {
  outer.paths.push(...inner.paths);
  for (const f of inner.findings) if (!outer.findings.some((x) => x.ruleId === f.ruleId)) outer.findings.push(f);
  if (inner.shell && !outer.shell) outer.shell = inner.shell;
  if (inner.workdir !== undefined && outer.workdir === undefined) outer.workdir = inner.workdir;
  outer.strings.push(...inner.strings);
  outer.sends ||= inner.sends;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The block reason the model sees: one sentence plus the rule ids. */
export function formatReason(decision: Decision): string {
  return `otheru-coordinator: ${decision.reason} [${decision.ruleIds.join(", ")}]`;
}

export function createGate(loaded: LoadedConfig, layout: HostLayout, options: GateOptions = {}): Gate {
  const policy = compilePolicy(loaded.config, loaded.policyHash);
  const audit = trailFor(loaded, layout, options.audit);
  const detect = compileOverrideDetector(loaded.config.overrideDetection.phrases);
  const overrideEnabled = loaded.config.overrideDetection.enabled;

  const store = options.store;
  const scrub = options.scrub ?? createScrubber(loaded.secretValues);
  /** Whether the last kill-switch read found the stop engaged (a later "never set" is then a lost record, not "off"). */
  let stopSeen = false;
  const judgeEndpoint = loaded.config.purpose.judge ? loaded.config.models[loaded.config.purpose.judge.model] : undefined;
  const purpose = createPurposeCheck(loaded.config, { judge: options.judge ?? (judgeEndpoint ? createModelClient(judgeEndpoint, { scrub }).askJson : undefined) });

  async function decideNow(input: GateInput): Promise<{ decision: Decision; context: CallContext }> {
    const context = contextFor(input);
    // The emergency stop comes first and needs nothing else: no analysis, no policy, no I/O but the store.
    if (store) {
      let engaged: Awaited<ReturnType<typeof readKillSwitch>>;
      try {
        engaged = await readKillSwitch(store);
      } catch (err) {
        return {
          decision: { kind: "block", ruleIds: ["store.unavailable"], reason: `The coordinator cannot read the emergency-stop state (${(err as Error).message}), so every tool call is blocked until the state store answers again.` },
          context,
        };
      }
      if (engaged.at === "" && stopSeen) {
        // The record of a stop this gateway saw has vanished (a Redis restart without persistence, a flush, a
        // restored backup): "never engaged" would be a guess, so the stop stays in force until someone writes again.
        return {
          decision: {
            kind: "block",
            ruleIds: ["killswitch.lost"],
            reason: "The emergency stop was engaged and its record has vanished from the state store, so every tool call stays blocked until an operator resumes (or stops) again.",
          },
          context,
        };
      }
      stopSeen = engaged.engaged;
      if (engaged.engaged) {
        const why = engaged.reason ? ` (${engaged.reason})` : "";
        return {
          decision: { kind: "block", ruleIds: ["killswitch.engaged"], reason: `An operator engaged the coordinator's emergency stop at ${engaged.at}${why}: every tool call is blocked until an operator resumes.` },
          context,
        };
      }
    }
    if (typeof input.tool !== "string" || input.tool.trim() === "") {
      return { decision: { kind: "block", ruleIds: ["input.invalid"], reason: "The tool call has no tool name." }, context };
    }
    const params = input.params === undefined ? {} : input.params;
    if (!isPlainObject(params)) {
      return { decision: { kind: "block", ruleIds: ["input.invalid"], reason: "The tool call's arguments are not an object." }, context };
    }
    const workspace = workspaceFor(layout, context.agentId);
    const analysis = analyseCall(input.tool, params, {
      isShellTool: policy.isShellTool,
      env: { home: layout.home, cwd: workspace },
      ...(input.derivedPaths ? { derivedPaths: input.derivedPaths } : {}),
    });
    // The Tool Search bridge (tool_call): its inner call is analysed as if it were called directly.
    for (const inner of bridgedCalls(input.tool, params)) mergeAnalysis(analysis, analyseCall(inner.tool, inner.params, { isShellTool: policy.isShellTool, env: { home: layout.home, cwd: workspace } }));
    if (analysis.paths.length > MAX_PATHS) {
      analysis.findings.push({ ruleId: "input.too-many-paths", action: "escalate", reason: `The call names more than ${MAX_PATHS} paths, too many to resolve on disk one by one.` });
    }
    resolveRealPaths(analysis.paths, MAX_PATHS);
    if (analysis.sends || (analysis.shell && loaded.secretValues.length > 0)) {
      const leak = await scanOutgoing({ tool: input.tool.toLowerCase(), strings: analysis.strings, secretValues: loaded.secretValues, lint: analysis.sends });
      if (leak && !analysis.findings.some((f) => f.ruleId === leak.ruleId)) analysis.findings.push(leak);
    }
    let decision = evaluate(policy, { tool: input.tool, params }, context, {
      analysis,
      host: { home: layout.home, workspace, workspaceReal: realPathOf(workspace), openclawStateDir: layout.openclawStateDir, protectedPaths: layout.protectedPaths },
    });
    // check_action_purpose: every high-stakes call (a bridged inner one too) against the user's own stated goal.
    if (purpose.enabled && decision.kind !== "block") {
      const calls = [{ tool: input.tool, params }, ...bridgedCalls(input.tool, params)].filter((c) => policy.isHighStakes(c.tool));
      if (calls.length > 0) {
        const critical = policy.isCritical(context);
        try {
          const goal =
            input.purpose ??
            options.goals?.contextFor(input.sessionKey ?? "", input.runId, { senderId: context.senderId, senderIsOwner: context.senderIsOwner, privateSession: isPrivateDm(context.sessionKey) });
          for (const c of calls) decision = (await purpose.apply(c, context, goal, decision, critical)).decision;
        } catch (err) {
          decision = { kind: critical ? "escalate" : "block", ruleIds: ["purpose.error"], reason: `The coordinator could not check whether the call serves the user's request (${(err as Error).message}), so it is ${critical ? "escalated" : "blocked"}.` };
        }
      }
    }
    return { decision, context };
  }

  return {
    policyHash: loaded.policyHash,
    policy,
    layout,
    async decide(input) {
      const started = process.hrtime.bigint();
      let out: { decision: Decision; context: CallContext };
      try {
        out = await decideNow(input);
      } catch (err) {
        out = {
          // The message may quote the call's arguments (a 1 MB path): bounded, like every other reason.
          decision: { kind: "block", ruleIds: ["engine.error"], reason: `The coordinator failed while checking the call (${String((err as Error)?.message ?? err).slice(0, 300)}), so it is blocked.` },
          context: { chatType: "unknown" },
        };
      }
      const latencyUs = Number((process.hrtime.bigint() - started) / 1000n);
      if (audit) {
        const tool = typeof input.tool === "string" ? input.tool : String(input.tool);
        const c = out.context;
        try {
          // Durable before the hook answers: the record is fsync'd (group commit) before an allow goes back.
          await audit.before(
            { tool, toolCallId: input.toolCallId, runId: input.runId, agentId: c.agentId, sessionKey: c.sessionKey, chatType: c.chatType, channel: c.channel, senderId: c.senderId, senderIsOwner: c.senderIsOwner, params: input.params },
            { decision: out.decision.kind, ruleIds: out.decision.ruleIds, reason: out.decision.reason, evidence: out.decision.evidence, latencyUs },
          );
        } catch (err) {
          if (out.decision.kind !== "block" && (policy.isHighStakes(tool) || out.decision.kind === "escalate" || policy.isCritical(c))) {
            out = { ...out, decision: { kind: "block", ruleIds: ["audit.unavailable"], reason: `The audit log cannot be written (${(err as Error).message}), so this high-stakes call is blocked.` } };
          }
        }
      }
      return { ...out, latencyUs };
    },
    audit,
    store,
    scrub,
    detectOverride: (text) => (overrideEnabled ? detect(text) : undefined),
  };
}
