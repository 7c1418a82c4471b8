// Session keys -> chat type, channel and conversation. Unknown shapes stay unknown (treated as shared).
import type { ChatType } from "./types.ts";

export type SessionShape = { agentId?: string; chatType: ChatType; channel?: string; conversation?: string };

const KIND: Readonly<Record<string, ChatType>> = { direct: "direct", dm: "direct", group: "group", channel: "channel" };

export function parseSessionKey(sessionKey: string | undefined, mainKey = "main"): SessionShape {
  if (!sessionKey) return { chatType: "unknown" };
  const parts = sessionKey.trim().split(":");
  if (parts[0]?.toLowerCase() !== "agent" || parts.length < 3 || !parts[1]) return { chatType: "unknown" };
  const agentId = parts[1].toLowerCase();
  const rest = parts.slice(2);
  if (rest.length === 1 && rest[0]?.toLowerCase() === mainKey.toLowerCase()) return { agentId, chatType: "direct" };
  const k = rest.findIndex((p) => Object.hasOwn(KIND, p.toLowerCase()));
  if (k < 0 || k + 1 >= rest.length) return { agentId, chatType: "unknown" };
  const kind = (rest[k] as string).toLowerCase();
  const chatType = KIND[kind] ?? "unknown";
  if (k === 0) return { agentId, chatType };
  const channel = (rest[0] as string).toLowerCase();
  return { agentId, chatType, channel, conversation: [channel, kind, ...rest.slice(k + 1)].join(":") };
}
