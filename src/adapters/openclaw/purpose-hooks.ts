// Goal capture for check_action_purpose: OpenClaw's before_prompt_build, message_received and after_tool_call -> the goal store.
import { isPrivateDm } from "../../gate/gate.ts";
import type { CapturedMessage, GoalStore } from "../../purpose/goals.ts";

/** before_prompt_build (needs plugins.entries.<id>.hooks.allowConversationAccess: true). */
export type PromptBuildEvent = { prompt?: string | undefined; currentUserMessage?: string | undefined; [key: string]: unknown } | undefined;
export type PromptBuildCtx = {
  sessionKey?: string | undefined;
  runId?: string | undefined;
  senderId?: string | undefined;
  trigger?: string | undefined;
  inputProvenance?: { kind?: string | undefined } | undefined;
  [key: string]: unknown;
} | undefined;

export type MessageReceivedEvent = {
  content?: string | undefined;
  senderId?: string | undefined;
  sessionKey?: string | undefined;
  runId?: string | undefined;
  replyToBody?: string | undefined;
  [key: string]: unknown;
} | undefined;
export type MessageReceivedCtx = { sessionKey?: string | undefined; runId?: string | undefined; senderId?: string | undefined; [key: string]: unknown } | undefined;

export type AfterToolCallEvent = { toolName?: string | undefined; params?: unknown; runId?: string | undefined; result?: unknown; error?: unknown; [key: string]: unknown } | undefined;
export type AfterToolCallCtx = { sessionKey?: string | undefined; runId?: string | undefined; [key: string]: unknown } | undefined;

export type PurposeCapture = {
  beforePromptBuild(event: PromptBuildEvent, ctx: PromptBuildCtx): void;
  messageReceived(event: MessageReceivedEvent, ctx: MessageReceivedCtx): void;
  afterToolCall(event: AfterToolCallEvent, ctx: AfterToolCallCtx): void;
};

export type PurposeCaptureLog = { warn(message: string): void };

/** A per-peer DM is private: its messages are the user's own. Elsewhere trust waits for the requester (owner, same sender). */
function initialTrust(sessionKey: string): CapturedMessage["trust"] {
  return isPrivateDm(sessionKey) ? "trusted" : "pending";
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

export function createPurposeCapture(store: GoalStore, log?: PurposeCaptureLog): PurposeCapture {
  // Capture is best effort and must never disturb the turn: a failure is logged and the check sees no goal (unknown).
  const guard = (hook: string, f: () => void) => {
    try {
      f();
    } catch (err) {
      log?.warn(`otheru-coordinator: purpose capture in ${hook} failed: ${(err as Error).message}`);
    }
  };
  return {
    beforePromptBuild(event, ctx) {
      guard("before_prompt_build", () => {
        const sessionKey = str(ctx?.sessionKey);
        // currentUserMessage is the request itself; "" means the turn has no textual request (prompt then holds other text).
        const text = event?.currentUserMessage ?? event?.prompt;
        if (!sessionKey || typeof text !== "string" || text.trim() === "") return;
        // Text another session, a subagent or the system produced is not the user's goal.
        const provenance = ctx?.inputProvenance?.kind;
        const trust = provenance !== undefined && provenance !== "external_user" ? "untrusted" : initialTrust(sessionKey);
        store.noteMessage(sessionKey, { text, senderId: str(ctx?.senderId), runId: str(ctx?.runId), kind: "goal", trust });
      });
    },
    messageReceived(event, ctx) {
      guard("message_received", () => {
        const sessionKey = str(event?.sessionKey) ?? str(ctx?.sessionKey);
        if (!sessionKey) return;
        const content = event?.content;
        if (typeof content === "string" && content.trim() !== "") {
          store.noteMessage(sessionKey, { text: content, senderId: str(event?.senderId) ?? str(ctx?.senderId), runId: str(event?.runId) ?? str(ctx?.runId), kind: "message", trust: initialTrust(sessionKey) });
        }
        // Quoted or replied-to text is someone else's words, whoever quotes it.
        const quoted = event?.replyToBody;
        if (typeof quoted === "string" && quoted.trim() !== "") store.noteUntrusted(sessionKey, "quoted text", quoted);
      });
    },
    afterToolCall(event, ctx) {
      guard("after_tool_call", () => {
        const sessionKey = str(ctx?.sessionKey);
        const tool = str(event?.toolName);
        if (!sessionKey || !tool) return;
        const details = (event?.result as { details?: { status?: unknown } } | undefined)?.details;
        if (details?.status === "blocked" || (event?.error !== undefined && event.error !== null)) return;
        const params = event?.params !== null && typeof event?.params === "object" && !Array.isArray(event.params) ? (event.params as Record<string, unknown>) : {};
        store.noteResult(sessionKey, { tool, params, result: event?.result, runId: str(event?.runId) ?? str(ctx?.runId) });
      });
    },
  };
}
