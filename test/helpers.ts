// Test helpers: a gate over a fixed, fictional host layout (no real home directory involved).
import { parseConfig } from "../src/config/load.ts";
import { createGate, type Gate } from "../src/gate/gate.ts";
import type { HostLayout } from "../src/gate/host.ts";
import { createAdminHandler } from "../src/admin/core.ts";
import type { AdminHandler } from "../src/admin/types.ts";
import type { StateStore } from "../src/state/store.ts";
import type { EscalationInput } from "../src/approvals/broker.ts";

export const HOME = "/home/dev";
export const WORKSPACE = "/home/dev/.openclaw/workspace";

export function fixedLayout(extra: Partial<HostLayout> = {}): HostLayout {
  return {
    home: HOME,
    openclawStateDir: "/home/dev/.openclaw",
    openclawConfigPath: "/home/dev/.openclaw/openclaw.json",
    stateDir: "/home/dev/.openclaw/otheru-coordinator",
    auditDir: "/home/dev/.openclaw/otheru-coordinator/audit",
    workspaces: new Map([["*", WORKSPACE]]),
    protectedPaths: [
      "/home/dev/.openclaw/openclaw.json",
      "/home/dev/.openclaw/.env",
      "/home/dev/.openclaw/credentials",
      "/home/dev/.openclaw/extensions",
      "/home/dev/.openclaw/npm",
      "/home/dev/.openclaw/otheru-coordinator",
      "/opt/otheru-coordinator",
    ],
    ...extra,
  };
}

export function gateFor(raw: unknown, layout: HostLayout = fixedLayout()): Gate {
  const r = parseConfig(raw, {});
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return createGate(r.value, layout);
}

/** An admin handler for one Telegram admin chat (-100, operator 1) over `store`, recording nothing: for races and benches. */
export function stopHandlerOn(store: StateStore, instanceId: string): AdminHandler {
  return createAdminHandler({
    store,
    instanceId,
    policyHash: "0".repeat(64),
    chats: [{ platform: "telegram", chatId: "-100", operators: ["1"] }],
    maxMessageAgeMs: 60_000,
    record: async () => undefined,
    health: async () => {
      throw new Error("not used");
    },
    verifyAudit: async () => ({ ok: true, text: "" }),
    pending: () => [],
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
}

/** One escalated call as the hook hands it to the broker: an exec in a critical Telegram group, asked for by `senderId`. */
export function escalationInput(senderId = "42"): EscalationInput {
  return {
    tool: "exec",
    argsSummary: '{"command":"git push --force"}',
    ruleIds: ["critical.high-stakes"],
    reason: "exec is a high-stakes tool in a critical channel.",
    sessionKey: "agent:main:telegram:group:-100123",
    agentId: "main",
    channel: "telegram",
    chatType: "group",
    requester: { channel: "telegram", senderId, senderIsOwner: false },
  };
}

