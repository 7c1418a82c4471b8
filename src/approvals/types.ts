// Escalation records and the platform-neutral approval card / button-click shapes shared by the broker
// (src/approvals/) and the supervisor bots (src/adapters/telegram, src/adapters/discord). Every security
// check on a click (which chat, which supervisor, requester, replays, first-wins) happens in src/approvals.
import type { AdminPlatform } from "../admin/types.ts";

export type EscalationState = "pending" | "approved" | "denied" | "expired" | "cancelled";

export type SupervisorOpinion = {
  verdict: "approve" | "deny" | "ask-human";
  risk: "low" | "medium" | "high" | "critical";
  rationale: string;
  model: string;
  ok: boolean;
  error?: string | undefined;
};

/** Who decided: a supervisor by numeric id on a platform, the console, the supervisor model, or the system (expiry, stop, restart). */
export type Decider = { via: "telegram" | "discord" | "cli" | "openclaw" | "model" | "system"; userId?: string | undefined };

/** One escalated call. Arguments are kept only as a redacted, bounded summary. */
export type Escalation = {
  /** Unguessable handle (16 base64url chars): also what the buttons carry. */
  id: string;
  tool: string;
  /** Redacted, bounded JSON of the arguments. */
  argsSummary: string;
  ruleIds: string[];
  reason: string;
  sessionKey?: string | undefined;
  /** OpenClaw's id of the call: the audit's before/after records of the same call carry it. */
  toolCallId?: string | undefined;
  agentId?: string | undefined;
  channel?: string | undefined;
  chatType: string;
  requester: { channel?: string | undefined; senderId?: string | undefined; senderIsOwner?: boolean | undefined };
  /** The user's stated goal (redacted, bounded) when one was captured. */
  goal?: string | undefined;
  supervisor?: SupervisorOpinion | undefined;
  /** The instance whose hook is waiting for the decision. */
  instanceId: string;
  createdAt: string;
  expiresAt: string;
};

/** The single-use outcome of an escalation (first writer wins across instances). */
export type EscalationOutcome = {
  state: Exclude<EscalationState, "pending">;
  by: Decider;
  at: string;
  note?: string | undefined;
};

/** Button data: "oc1:a:<id>" approve, "oc1:d:<id>" deny (Telegram allows 64 bytes of callback_data). */
export const APPROVAL_DATA_PREFIX = "oc1";

export function approvalButtonData(decision: "approve" | "deny", id: string): string {
  return `${APPROVAL_DATA_PREFIX}:${decision === "approve" ? "a" : "d"}:${id}`;
}

/** What a supervisor bot posts for one escalation. Text is already scrubbed and bounded (at most 3,500 chars). */
export type ApprovalCard = {
  id: string;
  /** One line, e.g. "otheru-coordinator: approve exec? (critical channel)". */
  title: string;
  /** Channel, requester, tool, redacted arguments, why it was escalated, the model's verdict, when it expires. */
  text: string;
  /** Button data for Approve and Deny (approvalButtonData). */
  approveData: string;
  denyData: string;
  /**
   * Where to post. Telegram: chatId (+ topicId = message_thread_id of a forum topic). Discord: chatId = channel id
   * (the bot starts a thread on the card message). Undefined: the bot's admin chat.
   */
  target?: { chatId: string; topicId?: string | undefined } | undefined;
};

/** A posted card, enough to edit it later. */
export type PostedCard = { platform: AdminPlatform; chatId: string; messageId: string; threadId?: string | undefined };

/** One button press as the platform delivered it, before any authorisation. All ids are strings. */
export type ApprovalClick = {
  platform: AdminPlatform;
  /** Telegram: chat id of the message the button is on. Discord: channel id (the thread's id when the card is in a thread). */
  chatId: string;
  /** Discord only: the guild id. */
  guildId?: string | undefined;
  /** Discord only: the parent channel of the thread the click came from. */
  parentChatId?: string | undefined;
  /** Numeric Telegram user id / Discord user snowflake of the clicker; never a username. */
  senderId: string;
  senderIsBot: boolean;
  /** The raw button data (callback_data / custom_id): attacker-reachable, parsed in src/approvals. */
  data: string;
  /** The message the button is on, when the platform says. */
  messageId?: string | undefined;
};

/** The answer to a click: shown to the clicker only (callback answer / ephemeral reply). */
export type ApprovalClickReply = { text: string };

export type ApprovalClickHandler = (click: ApprovalClick) => Promise<ApprovalClickReply>;
