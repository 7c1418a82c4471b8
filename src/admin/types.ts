// Platform-neutral admin-channel types. Adapters (src/adapters/telegram, src/adapters/discord) translate
// their platform's updates into AdminMessage and post replies; every security check (which chat, which
// operator, replays, parsing) happens in src/admin/, never in an adapter.

import type { ApprovalCard, PostedCard } from "../approvals/types.ts";

export type AdminPlatform = "telegram" | "discord";

/** One inbound text message seen by an admin bot, before any authorisation. All ids are strings. */
export type AdminMessage = {
  platform: AdminPlatform;
  /** Telegram: the chat id ("-1001234" or "42"). Discord: the channel id (snowflake). */
  chatId: string;
  /** Discord only: the guild id; undefined for DMs. */
  guildId?: string | undefined;
  /** Telegram numeric user id / Discord user snowflake of the author. Never a username. */
  senderId: string;
  /** True when the platform says the author is a bot (Discord `author.bot`, Telegram `from.is_bot`). */
  senderIsBot: boolean;
  /** True when the text is not the sender's own: forwarded, or posted through another bot (Telegram `forward_origin`, `via_bot`). */
  relayed?: boolean | undefined;
  /** The message text as sent (e.g. "/stop deploy went wrong" or "/stop@MyBot reason"). */
  text: string;
  /** Platform message id, unique within chatId; used with chatId to refuse replays. */
  messageId: string;
  /** When the platform says the message was sent (ms since epoch); stale messages are refused. */
  sentAtMs: number;
};

/** What the admin core answers; undefined means "ignore silently" (unauthorised chat or sender). */
export type AdminReply = { text: string } | undefined;

export type AdminHandler = (msg: AdminMessage) => Promise<AdminReply>;

export type AdminBotStatus = {
  platform: AdminPlatform;
  /** true once the bot authenticated and its update loop is running. */
  connected: boolean;
  /** The last error (bad token, unknown chat, network), redacted, with what to do about it. */
  error?: string | undefined;
  /** ms since epoch of the last update received or successful poll. */
  lastSeenMs?: number | undefined;
};

/** The operational logger every adapter receives (never log tokens or message text of non-operators). */
export type AdminLog = { info(msg: string): void; warn(msg: string): void; error(msg: string): void };

export interface AdminBot {
  readonly platform: AdminPlatform;
  /** Starts the update loop in the background. Never throws and never crashes the process: failures go to status(). */
  start(): Promise<void>;
  /** Stops the update loop and closes connections; idempotent. */
  stop(): Promise<void>;
  status(): AdminBotStatus;
  /** Posts a message to the configured admin chat (checkpoints, alerts). Rejects on failure. */
  post(text: string): Promise<void>;
  /**
   * Posts an escalation card with Approve (card.approveData) and Deny (card.denyData) buttons to card.target, or to the
   * admin chat when it is undefined; Discord also starts a thread on the card. Rejects on failure (the broker retries or reports).
   */
  postApproval(card: ApprovalCard): Promise<PostedCard>;
  /** Replaces a posted card's text with the outcome and removes its buttons; Discord also posts the text in the card's thread. Rejects on failure. */
  updateApproval(posted: PostedCard, text: string): Promise<void>;
}
