// The engine's vocabulary: calls, contexts, facts and decisions. Pure types.
import type { CallAnalysis } from "../patterns/call.ts";

export type ChatType = "direct" | "group" | "channel" | "unknown";

export type ToolCall = { tool: string; params: Record<string, unknown> };

/** Who asked and where, as far as the host proved it. Missing fields are unknown, never "fine". */
export type CallContext = {
  agentId?: string | undefined;
  sessionKey?: string | undefined;
  /** Channel id (telegram, discord, webchat); from the requester, else the session key. */
  channel?: string | undefined;
  /** The conversation as the session key spells it, e.g. telegram:group:-100123. */
  conversation?: string | undefined;
  chatType: ChatType;
  senderId?: string | undefined;
  senderIsOwner?: boolean | undefined;
};

/** Filesystem facts of the host the policy classifies paths against (resolved by the gate). */
export type HostPaths = {
  home: string;
  /** The agent's workspace. */
  workspace: string;
  /** Real, absolute paths the agent may never touch (config, .env, plugin, state, audit). */
  protectedPaths: readonly string[];
  /** The workspace with symlinks resolved, when it differs (private memory is matched under both). */
  workspaceReal?: string | undefined;
  /** OpenClaw's state dir: its memory stores (LanceDB, the per-agent index) are private memory too. */
  openclawStateDir?: string | undefined;
};

export type Facts = { analysis: CallAnalysis; host: HostPaths };

export type Verdict = "allow" | "escalate" | "block";

/** Every decision names its rules and gives one sentence why; `evidence` is the normalised command or path that triggered it. */
export type Decision = { kind: Verdict; ruleIds: readonly string[]; reason: string; evidence?: string };

/** One rule's opinion; the engine keeps the most severe. */
export type Hit = { ruleId: string; verdict: Verdict; reason: string; evidence?: string };
