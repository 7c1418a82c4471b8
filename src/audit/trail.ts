// The audit trail as the gate and hooks use it: redacted call records before and after, events, lazy opening.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type AuditLog, type AuditOptions, type AuditStatus, createAuditLog } from "./log.ts";
import type { AuditEntry, AuditRecord } from "./record.ts";
import { createRedactor, type Redactor } from "./redact.ts";

export type CallFacts = {
  tool: string;
  toolCallId?: string | undefined;
  runId?: string | undefined;
  agentId?: string | undefined;
  sessionKey?: string | undefined;
  chatType: string;
  channel?: string | undefined;
  senderId?: string | undefined;
  senderIsOwner?: boolean | undefined;
  params: unknown;
};

export type DecisionFacts = { decision: string; ruleIds: readonly string[]; reason: string; evidence?: string | undefined; latencyUs: number };

export type OutcomeFacts = { tool: string; toolCallId?: string | undefined; runId?: string | undefined; sessionKey?: string | undefined; outcome: "ran" | "blocked" | "error"; durationMs?: number | undefined; result?: unknown; error?: string | undefined };

export type AuditTrail = {
  readonly dir: string;
  before(call: CallFacts, decision: DecisionFacts): Promise<AuditRecord>;
  after(outcome: OutcomeFacts): Promise<AuditRecord>;
  event(entry: AuditEntry): Promise<AuditRecord>;
  status(): AuditStatus;
  redact(text: string): string;
  close(): Promise<void>;
};

/** The keyed-hash secret for redaction markers: stable per installation, mode 600, created on first use. */
function redactionKey(path: string): Buffer {
  try {
    const hex = readFileSync(path, "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, "hex");
  } catch {
    // created below
  }
  const key = randomBytes(32);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${key.toString("hex")}\n`, { mode: 0o600 });
  return key;
}

export function createAuditTrail(options: AuditOptions & { secretValues: readonly string[]; redactionKeyPath: string; policyHash: string }): AuditTrail {
  let log: AuditLog | undefined;
  let redactor: Redactor | undefined;
  let initError: string | undefined;
  const ready = (): { log: AuditLog; redactor: Redactor } => {
    if (!log || !redactor) {
      try {
        redactor = createRedactor(options.secretValues, redactionKey(options.redactionKeyPath));
      } catch (err) {
        initError = `audit log unavailable: the redaction key cannot be read or created (${(err as Error).message})`;
        throw new Error(initError);
      }
      initError = undefined;
      log = createAuditLog(options);
      void log.append({ kind: "config.load", policyHash: options.policyHash }).catch(() => undefined);
    }
    return { log, redactor };
  };
  return {
    dir: options.dir,
    async before(call, d) {
      const { log: l, redactor: r } = ready();
      return l.append({
        kind: "call.before",
        tool: call.tool,
        toolCallId: call.toolCallId ?? null,
        runId: call.runId ?? null,
        agent: call.agentId ?? null,
        sessionKey: call.sessionKey ?? null,
        chatType: call.chatType,
        channel: call.channel ?? null,
        sender: { id: call.senderId ?? null, owner: call.senderIsOwner ?? null },
        args: r.value(call.params),
        decision: d.decision,
        ruleIds: [...d.ruleIds],
        reason: r.text(d.reason),
        evidence: d.evidence === undefined ? null : r.text(d.evidence),
        latencyUs: d.latencyUs,
      });
    },
    async after(o) {
      const { log: l, redactor: r } = ready();
      let summary: string | null = null;
      if (o.result !== undefined) {
        try {
          summary = r.text(typeof o.result === "string" ? o.result : JSON.stringify(o.result) ?? "").slice(0, 500);
        } catch {
          summary = "[unserialisable result]";
        }
      }
      return l.append({
        kind: "call.after",
        tool: o.tool,
        toolCallId: o.toolCallId ?? null,
        runId: o.runId ?? null,
        sessionKey: o.sessionKey ?? null,
        outcome: o.outcome,
        durationMs: o.durationMs ?? null,
        result: summary,
        error: o.error === undefined ? null : r.text(o.error).slice(0, 500),
      });
    },
    async event(entry) {
      const { log: l, redactor: r } = ready();
      return l.append(r.value(entry) as AuditEntry);
    },
    status: () => {
      if (initError !== undefined) return { ok: false, error: initError, dir: options.dir, records: 0, lastHash: "" };
      return log ? log.status() : { ok: true, dir: options.dir, records: 0, lastHash: "" };
    },
    redact: (text) => ready().redactor.text(text),
    close: async () => {
      await log?.close();
    },
  };
}
