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
  /** redact() plus secretlint's findings (milliseconds when the prefilter picks the text): for files that keep it. */
  redactDeep(text: string): Promise<string>;
  close(): Promise<void>;
};

// Records are built with their keys in sorted order and the log's own fields as placeholders (CHAIN_KEYS), so
// the log fills them in and serialises the object in one JSON.stringify (a test checks the order).

/** What the records hold of a call's own text, redacted (secretlint included) in one pass by the trail. */
export type RedactedCall = { args: unknown; evidence: string | null; reason: string };
export type RedactedOutcome = { result: string | null; error: string | null };

/** The record of a call before it runs: the decision, and the arguments redacted. */
export function beforeEntry(call: CallFacts, d: DecisionFacts, red: RedactedCall): AuditEntry {
  return {
    agent: call.agentId ?? null,
    args: red.args,
    channel: call.channel ?? null,
    chatType: call.chatType,
    decision: d.decision,
    evidence: red.evidence,
    hash: "",
    instance: "",
    kind: "call.before",
    latencyUs: d.latencyUs,
    prev: "",
    reason: red.reason,
    ruleIds: [...d.ruleIds],
    runId: call.runId ?? null,
    sender: { id: call.senderId ?? null, owner: call.senderIsOwner ?? null },
    seq: 0,
    sessionKey: call.sessionKey ?? null,
    time: "",
    tool: call.tool,
    toolCallId: call.toolCallId ?? null,
    v: 1,
  };
}

/** The record of a call's outcome, with a bounded and redacted summary of its result. */
export function afterEntry(o: OutcomeFacts, red: RedactedOutcome): AuditEntry {
  return {
    durationMs: o.durationMs ?? null,
    error: red.error === null ? null : red.error.slice(0, 500),
    hash: "",
    instance: "",
    kind: "call.after",
    outcome: o.outcome,
    prev: "",
    result: red.result === null ? null : red.result.slice(0, 500),
    runId: o.runId ?? null,
    seq: 0,
    sessionKey: o.sessionKey ?? null,
    time: "",
    tool: o.tool,
    toolCallId: o.toolCallId ?? null,
    v: 1,
  };
}

/** The text of a result for its summary. */
function resultText(result: unknown): string | null {
  if (result === undefined) return null;
  try {
    return typeof result === "string" ? result : (JSON.stringify(result) ?? "");
  } catch {
    return "[unserialisable result]";
  }
}

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
      const red = (await r.scan({ args: call.params, evidence: d.evidence ?? null, reason: d.reason })) as RedactedCall;
      return l.append(beforeEntry(call, d, red));
    },
    async after(o) {
      const { log: l, redactor: r } = ready();
      const red = (await r.scan({ error: o.error ?? null, result: resultText(o.result) })) as RedactedOutcome;
      return l.append(afterEntry(o, red));
    },
    async event(entry) {
      const { log: l, redactor: r } = ready();
      return l.append((await r.scan(entry)) as AuditEntry);
    },
    status: () => {
      if (initError !== undefined) return { ok: false, error: initError, dir: options.dir, records: 0, lastHash: "" };
      return log ? log.status() : { ok: true, dir: options.dir, records: 0, lastHash: "" };
    },
    redact: (text) => ready().redactor.text(text),
    redactDeep: async (text) => (await ready().redactor.scan(text)) as string,
    close: async () => {
      await log?.close();
    },
  };
}
