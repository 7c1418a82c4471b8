// Supervisor button clicks: parse the (attacker-reachable) button data, authorise the clicker, and decide
// first-wins through the broker. Also the card text supervisors see. Adapters only translate and deliver.
import type { AuditEntry } from "../audit/record.ts";
import type { Config } from "../config/schema.ts";
import type { Broker } from "./broker.ts";
import { ESCALATION_ID } from "./broker.ts";
import { APPROVAL_DATA_PREFIX, type ApprovalCard, type ApprovalClick, type ApprovalClickHandler, approvalButtonData, type Escalation, type EscalationOutcome } from "./types.ts";

const CARD_LIMIT = 3_500;

/** Who may decide on which platform, and where the cards live. */
export type SupervisorChat =
  | { platform: "telegram"; chatId: string; topicId?: string | undefined; supervisors: readonly string[] }
  | { platform: "discord"; guildId: string; channelId: string; supervisors: readonly string[] };

/** The supervisor chats from config: approvals.telegram/discord, falling back to the admin chat and its operators. */
export function supervisorChats(config: Config): SupervisorChat[] {
  const out: SupervisorChat[] = [];
  const t = config.admin.telegram;
  if (t) {
    const a = config.approvals.telegram;
    out.push({ platform: "telegram", chatId: a?.chatId ?? t.chatId, topicId: a?.topicId, supervisors: a?.supervisors ?? t.operators });
  }
  const d = config.admin.discord;
  if (d) {
    const a = config.approvals.discord;
    out.push({ platform: "discord", guildId: d.guildId, channelId: a?.channelId ?? d.channelId, supervisors: a?.supervisors ?? d.operators });
  }
  return out;
}

/** One line, no control or bidi characters, bounded: safe to put in a card or a reply. */
export function clipLine(text: string, max = 200): string {
  const one = text.replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

function describeOutcome(o: EscalationOutcome): string {
  const who = o.by.via === "system" ? "the coordinator" : o.by.via === "model" ? "the supervisor model" : `${o.by.via}${o.by.userId ? `:${o.by.userId}` : ""}`;
  switch (o.state) {
    case "approved":
      return `APPROVED by ${who} at ${o.at}: the call runs.`;
    case "denied":
      return `DENIED by ${who} at ${o.at}: the call is blocked.`;
    case "expired":
      return `EXPIRED at ${o.at}${o.note ? ` (${clipLine(o.note, 120)})` : ""}: the call is blocked.`;
    case "cancelled":
      return `CANCELLED at ${o.at} by ${who}${o.note ? ` (${clipLine(o.note, 120)})` : ""}: the call is blocked.`;
    default: {
      const never: never = o.state;
      return `ended (${String(never)}): the call is blocked.`;
    }
  }
}

export function outcomeText(o: EscalationOutcome): string {
  return describeOutcome(o);
}

/** The card text: channel, requester, tool, redacted arguments, why, the model's verdict, expiry. */
export function approvalCard(e: Escalation, target?: ApprovalCard["target"]): ApprovalCard {
  const requester = e.requester.senderId ? `${e.requester.channel ?? e.channel ?? "?"}:${clipLine(e.requester.senderId, 30)}${e.requester.senderIsOwner ? " (owner)" : ""}` : "unknown (no sender id)";
  const model = e.supervisor
    ? `${e.supervisor.verdict} (risk ${e.supervisor.risk}) - ${clipLine(e.supervisor.rationale, 300)}${e.supervisor.ok ? "" : ` [model failed: ${clipLine(e.supervisor.error ?? "unknown", 120)}]`}`
    : "none configured";
  const lines = [
    `Tool: ${clipLine(e.tool, 64)}`,
    `Channel: ${clipLine(e.sessionKey ?? e.channel ?? "?", 120)} (${e.chatType})`,
    `Requester: ${requester}`,
    `Agent: ${clipLine(e.agentId ?? "?", 40)}`,
    `Why: ${clipLine(e.reason, 400)} [${e.ruleIds.map((r) => clipLine(r, 64)).join(", ")}]`,
    ...(e.goal ? [`User's goal: ${clipLine(e.goal, 300)}`] : []),
    `Supervisor model: ${model}`,
    `Arguments (redacted): ${e.argsSummary.slice(0, 1_500)}`,
    `Expires: ${e.expiresAt} (then denied)`,
    `Id: ${e.id}`,
  ];
  const title = `otheru-coordinator: approve ${clipLine(e.tool, 64)}?`;
  let text = `${title}\n${lines.join("\n")}`;
  if (text.length > CARD_LIMIT) text = `${text.slice(0, CARD_LIMIT - 1)}…`;
  return { id: e.id, title, text, approveData: approvalButtonData("approve", e.id), denyData: approvalButtonData("deny", e.id), ...(target ? { target } : {}) };
}

/** "oc1:a:<id>" -> approve; anything else is not ours (forged, truncated, oversized, another bot's). */
export function parseButtonData(data: unknown): { ok: true; decision: "approve" | "deny"; id: string } | { ok: false } {
  if (typeof data !== "string" || data.length > 64) return { ok: false };
  const parts = data.split(":");
  if (parts.length !== 3 || parts[0] !== APPROVAL_DATA_PREFIX) return { ok: false };
  const [, d, id] = parts as [string, string, string];
  if ((d !== "a" && d !== "d") || !ESCALATION_ID.test(id)) return { ok: false };
  return { ok: true, decision: d === "a" ? "approve" : "deny", id };
}

function chatFor(chats: readonly SupervisorChat[], click: ApprovalClick): SupervisorChat | undefined {
  return chats.find((c) => {
    if (c.platform !== click.platform) return false;
    if (c.platform === "telegram") return click.chatId === c.chatId;
    return click.guildId === c.guildId && (click.chatId === c.channelId || click.parentChatId === c.channelId);
  });
}

export type ClickDeps = {
  broker: Broker;
  chats: readonly SupervisorChat[];
  record: (entry: AuditEntry) => Promise<unknown>;
  log: { warn(msg: string): void; error(msg: string): void };
  now?: () => number;
};

/** The handler every supervisor bot calls for a button press. */
export function createClickHandler(deps: ClickDeps): ApprovalClickHandler {
  const now = deps.now ?? Date.now;
  const attempt = (click: ApprovalClick, fields: Record<string, unknown>): void => {
    void deps
      .record({ kind: "escalation", action: "decision-attempt", platform: click.platform, chatId: clipLine(click.chatId, 30), senderId: clipLine(click.senderId, 30), ...fields })
      .catch((err: unknown) => deps.log.error(`otheru-coordinator: could not audit an approval click: ${(err as Error).message}`));
  };
  return async (click) => {
    const parsed = parseButtonData(click.data);
    if (!parsed.ok) {
      attempt(click, { accepted: false, why: "invalid button data", data: clipLine(String(click.data), 80) });
      return { text: "This button is not valid; nothing was decided." };
    }
    const chat = chatFor(deps.chats, click);
    if (!chat) {
      attempt(click, { id: parsed.id, decision: parsed.decision, accepted: false, why: "not a supervisor chat" });
      return { text: "Approvals are not decided in this chat; nothing was decided." };
    }
    if (click.senderIsBot || !chat.supervisors.includes(click.senderId)) {
      attempt(click, { id: parsed.id, decision: parsed.decision, accepted: false, why: click.senderIsBot ? "sender is a bot" : "not a supervisor" });
      return { text: "You are not one of the configured supervisors; nothing was decided." };
    }
    const found = await deps.broker.get(parsed.id);
    if (!found) {
      attempt(click, { id: parsed.id, decision: parsed.decision, accepted: false, why: "unknown escalation" });
      return { text: "This escalation is unknown or too old; nothing was decided." };
    }
    const e = found.escalation;
    if (found.outcome) {
      attempt(click, { id: e.id, decision: parsed.decision, accepted: false, why: `already ${found.outcome.state}` });
      return { text: `Already decided: ${outcomeText(found.outcome)}` };
    }
    const requesterChannel = e.requester.channel ?? e.channel;
    if (parsed.decision === "approve" && e.requester.senderId === click.senderId && requesterChannel === click.platform) {
      attempt(click, { id: e.id, decision: parsed.decision, accepted: false, why: "requester cannot approve their own call" });
      return { text: "You asked for this call, so another supervisor must approve it; nothing was decided." };
    }
    if (Date.parse(e.expiresAt) <= now()) {
      const r = await deps.broker.decide(e.id, "expired", { via: "system" }, "no decision before the approval timeout");
      attempt(click, { id: e.id, decision: parsed.decision, accepted: false, why: "expired" });
      return { text: `Too late: ${r.ok ? outcomeText(r.outcome) : "this escalation expired"}` };
    }
    const r = await deps.broker.decide(e.id, parsed.decision === "approve" ? "approved" : "denied", { via: click.platform, userId: click.senderId });
    if (!r.ok) {
      attempt(click, { id: e.id, decision: parsed.decision, accepted: false, why: "unknown escalation" });
      return { text: "This escalation is unknown or too old; nothing was decided." };
    }
    attempt(click, { id: e.id, decision: parsed.decision, accepted: r.won, why: r.won ? "decided" : `already ${r.outcome.state}` });
    return { text: r.won ? outcomeText(r.outcome) : `Already decided: ${outcomeText(r.outcome)}` };
  };
}
