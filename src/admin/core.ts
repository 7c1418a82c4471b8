// Operator commands, platform-neutral: parse -> authorise -> act -> reply text. Shared by the admin bots,
// the in-chat /coordinator command and the CLI; every change and every refusal is audited.
import type { AuditEntry } from "../audit/record.ts";
import { type KillSwitchSource, type KillSwitchState, readKillSwitch, setKillSwitch } from "../state/killswitch.ts";
import type { StateStore } from "../state/store.ts";
import type { AdminHandler, AdminLog, AdminMessage, AdminPlatform, AdminReply } from "./types.ts";
import { formatHealth, type HealthReport } from "./health.ts";

export type AdminChat = { platform: "telegram"; chatId: string; operators: readonly string[] } | { platform: "discord"; guildId: string; channelId: string; operators: readonly string[] };

export type PendingEscalation = { id: string; tool: string; ruleIds: readonly string[]; sessionKey?: string | undefined; createdAt: string; expiresAt: string };

/** What the commands act on; each part is owned elsewhere and handed in. */
export type AdminDeps = {
  store: StateStore;
  instanceId: string;
  policyHash: string;
  chats: readonly AdminChat[];
  maxMessageAgeMs: number;
  /** Records admin actions and refusals (the audit trail's event()); failures are reported, never hidden. */
  record: (entry: AuditEntry) => Promise<unknown>;
  health: () => Promise<HealthReport>;
  verifyAudit: () => Promise<{ ok: boolean; text: string }>;
  pending: () => readonly PendingEscalation[];
  /** Standing allow-always grants (OpenClaw route), for /status. */
  grants?: (() => Promise<ReadonlyArray<{ id: string; tool: string; channel: string; agentId: string }>>) | undefined;
  /** Called once a stop is acknowledged: cancels (denies) calls waiting for approval in this instance. */
  onStop?: ((state: KillSwitchState) => void) | undefined;
  log: AdminLog;
  now?: () => number;
};

export const ADMIN_COMMANDS = ["stop", "resume", "status", "health", "pending", "audit", "help"] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

export type ParsedCommand = { ok: true; command: AdminCommand; args: string } | { ok: false; error: string };

const HELP =
  "Coordinator admin commands:\n" +
  "/stop [reason] - emergency stop: block every tool call on every agent and channel (chat keeps working)\n" +
  "/resume - lift the emergency stop\n" +
  "/status - policy, emergency stop, pending escalations, audit checkpoint, instances\n" +
  "/health - dependency health\n" +
  "/pending - escalations waiting for a decision\n" +
  "/audit verify - verify the audit trail's hash chain and signatures\n" +
  "(OpenClaw's own /stop in an agent chat only aborts that chat's current run.)";

/** "/stop@MyBot reason" -> {command: "stop", args: "reason"}; anything else is an error naming the fix. */
export function parseAdminCommand(text: string): ParsedCommand {
  const trimmed = text.trim();
  const m = /^\/([A-Za-z_]+)(?:@[A-Za-z0-9_]{1,64})?(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (!m) return { ok: false, error: "Not a command. Send /help for the list." };
  const name = (m[1] as string).toLowerCase();
  const args = (m[2] ?? "").trim();
  // The name is echoed in the reply: bounded (a 1 MB "/xxx…" would otherwise come back whole).
  if (!(ADMIN_COMMANDS as readonly string[]).includes(name)) return { ok: false, error: `Unknown command /${clip(name, 40)}. Send /help for the list.` };
  const command = name as AdminCommand;
  if (command === "audit" && args.toLowerCase() !== "verify") return { ok: false, error: "Usage: /audit verify" };
  if ((command === "resume" || command === "status" || command === "health" || command === "pending" || command === "help") && args !== "") {
    return { ok: false, error: `/${command} takes no arguments.` };
  }
  if (args.length > 500) return { ok: false, error: "The reason is too long (at most 500 characters)." };
  return { ok: true, command, args };
}

function chatMatches(chat: AdminChat, msg: AdminMessage): boolean {
  if (chat.platform !== msg.platform) return false;
  if (chat.platform === "telegram") return msg.chatId === chat.chatId;
  return msg.chatId === chat.channelId && msg.guildId === chat.guildId;
}

/** Text safe to echo: one line, no control characters, bounded. */
function clip(text: string, max = 80): string {
  const one = text.replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export function describeKillSwitch(s: KillSwitchState): string {
  if (s.engaged) return `ENGAGED since ${s.at} by ${s.by}${s.reason ? ` (${s.reason})` : ""}: every tool call is blocked`;
  return s.at ? `off (resumed ${s.at} by ${s.by})` : "off";
}

/** Engage or lift the stop and audit it; the returned text is the acknowledgement. */
export async function changeKillSwitch(
  deps: Pick<AdminDeps, "store" | "instanceId" | "record" | "onStop" | "log">,
  change: { engaged: boolean; reason?: string | undefined; by: string; via: KillSwitchSource },
): Promise<{ state: KillSwitchState; text: string }> {
  const state = await setKillSwitch(deps.store, { ...change, instance: deps.instanceId });
  try {
    await deps.record({ kind: "admin", action: change.engaged ? "stop" : "resume", by: change.by, via: change.via, reason: state.reason ?? null, at: state.at });
  } catch (err) {
    deps.log.error(`otheru-coordinator: the ${change.engaged ? "stop" : "resume"} took effect but could not be audited: ${(err as Error).message}`);
  }
  if (change.engaged) {
    deps.onStop?.(state);
    deps.log.warn(`otheru-coordinator: EMERGENCY STOP engaged by ${change.by} via ${change.via}${state.reason ? ` (${state.reason})` : ""}`);
    return { state, text: `Emergency stop ENGAGED at ${state.at}. Every tool call on every agent and channel is now blocked (chat keeps working). Send /resume to lift it.` };
  }
  deps.log.warn(`otheru-coordinator: emergency stop lifted by ${change.by} via ${change.via}`);
  return { state, text: `Emergency stop lifted at ${state.at}. Tool calls are decided by the policy again.` };
}

export async function statusText(deps: Pick<AdminDeps, "store" | "instanceId" | "policyHash" | "pending" | "health" | "grants">): Promise<string> {
  const lines: string[] = [];
  try {
    lines.push(`Emergency stop: ${describeKillSwitch(await readKillSwitch(deps.store))}`);
  } catch (err) {
    lines.push(`Emergency stop: UNKNOWN - the state store cannot be read (${(err as Error).message}); tool calls are blocked`);
  }
  lines.push(`Policy: ${deps.policyHash.slice(0, 16)}`);
  lines.push(`Pending escalations: ${deps.pending().length}`);
  if (deps.grants) {
    try {
      const grants = await deps.grants();
      const shown = grants.slice(0, 10).map((g) => `${g.id} ${g.tool} @ ${g.channel} (${g.agentId})`);
      lines.push(`Standing grants (allow-always): ${grants.length}${shown.length > 0 ? `\n  ${shown.join("\n  ")}${grants.length > 10 ? `\n  … and ${grants.length - 10} more` : ""}\n  revoke: otheru-coordinator approvals revoke ID` : ""}`);
    } catch (err) {
      lines.push(`Standing grants: UNKNOWN (${(err as Error).message})`);
    }
  }
  const health = await deps.health();
  const cp = health.audit?.lastCheckpoint;
  lines.push(`Audit: ${health.audit ? `${health.audit.records} records this run; last checkpoint ${cp ? `#${cp.seq} ${cp.hash.slice(0, 16)} at ${cp.time}` : "none yet"}` : "off"}`);
  lines.push(`Instance: ${deps.instanceId}${health.instances.length > 1 ? ` (also: ${health.instances.filter((i) => i !== deps.instanceId).join(", ")})` : ""}`);
  lines.push(`Health: ${health.ok ? "ok" : "DEGRADED"}`);
  for (const w of health.warnings ?? []) lines.push(`Warning: ${w}`);
  return lines.join("\n");
}

export function pendingText(pending: readonly PendingEscalation[]): string {
  if (pending.length === 0) return "No escalations are waiting for a decision.";
  const shown = pending.slice(0, 20).map((p) => `${p.id} ${p.tool} [${p.ruleIds.join(", ")}] ${p.sessionKey ?? "?"} since ${p.createdAt}, expires ${p.expiresAt}`);
  return `${pending.length} escalation(s) waiting:\n${shown.join("\n")}${pending.length > 20 ? `\n… and ${pending.length - 20} more` : ""}`;
}

/** The handler every admin bot calls. Unauthorised chats and senders get no answer; every refusal is recorded. */
export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const now = deps.now ?? Date.now;
  const refuse = async (msg: AdminMessage, why: string): Promise<undefined> => {
    deps.log.warn(`otheru-coordinator: admin message refused (${why}) platform=${msg.platform} chat=${clip(msg.chatId, 30)} sender=${clip(msg.senderId, 30)}`);
    await deps
      .record({ kind: "admin", action: "refused", platform: msg.platform, chatId: clip(msg.chatId, 30), guildId: msg.guildId ? clip(msg.guildId, 30) : null, senderId: clip(msg.senderId, 30), messageId: clip(msg.messageId, 30), why, text: clip(msg.text) })
      .catch((err: unknown) => deps.log.error(`otheru-coordinator: could not audit a refused admin message: ${(err as Error).message}`));
    return undefined;
  };
  return async (msg: AdminMessage): Promise<AdminReply> => {
    const chat = deps.chats.find((c) => chatMatches(c, msg));
    if (!chat) return refuse(msg, "not the admin chat");
    if (msg.senderIsBot) return refuse(msg, "sent by a bot");
    if (msg.relayed === true) return refuse(msg, "forwarded or relayed message");
    if (!chat.operators.includes(msg.senderId)) return refuse(msg, "sender is not an operator");
    const age = now() - msg.sentAtMs;
    if (!Number.isFinite(msg.sentAtMs) || age > deps.maxMessageAgeMs || age < -60_000) return refuse(msg, "stale or future-dated message (replay?)");
    // Each platform message acts once, across every instance sharing the store (replays and double delivery).
    let first: boolean;
    try {
      first = await deps.store.claim(`admin-msg:${msg.platform}:${msg.chatId}:${msg.messageId}`, String(now()), deps.maxMessageAgeMs + 120_000);
    } catch (err) {
      return { text: `The state store cannot be reached (${(err as Error).message}). Nothing was changed; tool calls are blocked while the store is down. Use the CLI or docker stop if needed.` };
    }
    if (!first) return refuse(msg, "message already handled (replay)");
    const parsed = parseAdminCommand(msg.text);
    if (!parsed.ok) return { text: parsed.error };
    const by = `${msg.platform}:${msg.senderId}`;
    try {
      switch (parsed.command) {
        case "stop":
          return { text: (await changeKillSwitch(deps, { engaged: true, reason: parsed.args || undefined, by, via: msg.platform as AdminPlatform })).text };
        case "resume":
          return { text: (await changeKillSwitch(deps, { engaged: false, by, via: msg.platform as AdminPlatform })).text };
        case "status":
          return { text: await statusText(deps) };
        case "health":
          return { text: formatHealth(await deps.health()) };
        case "pending":
          return { text: pendingText(deps.pending()) };
        case "audit": {
          const r = await deps.verifyAudit();
          await deps.record({ kind: "admin", action: "audit-verify", by, ok: r.ok }).catch(() => undefined);
          return { text: r.text };
        }
        case "help":
          return { text: HELP };
        default: {
          const never: never = parsed.command;
          return { text: `Unknown command ${String(never)}` };
        }
      }
    } catch (err) {
      deps.log.error(`otheru-coordinator: admin /${parsed.command} failed: ${(err as Error).message}`);
      return { text: `/${parsed.command} FAILED: ${(err as Error).message}. Nothing was acknowledged; if this was /stop, use the CLI (otheru-coordinator stop) or docker stop otheru-coordinator.` };
    }
  };
}
