// `otheru-coordinator evaluate`: JSONL cases in, JSONL decisions out, through the hook's own gate.
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Gate, GateInput } from "../gate/gate.ts";

type Case = {
  id?: unknown;
  tool?: unknown;
  params?: unknown;
  sessionKey?: unknown;
  channel?: unknown;
  agentId?: unknown;
  senderId?: unknown;
  senderIsOwner?: unknown;
};

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : undefined);

/** One evaluate line -> the gate's input. Returns a reason string when the line is unusable. */
/**
 * A line without requester fields is a call of the local operator, as `openclaw agent --local` runs are
 * (OpenClaw gives them {senderIsOwner: true}): so `agent:main:main` lines are the owner's private session.
 * The hook itself never assumes this: a missing requester there counts as shared.
 */
export const LOCAL_OPERATOR = { senderIsOwner: true } as const;

export function caseToInput(line: string): { ok: true; id: unknown; input: GateInput } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `The line is not valid JSON (${(err as Error).message}).` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, reason: "The line is not a JSON object." };
  const c = parsed as Case;
  if (typeof c.tool !== "string" || c.tool.length === 0) return { ok: false, reason: "The line has no \"tool\" string." };
  const requester =
    c.channel !== undefined || c.senderId !== undefined || c.senderIsOwner !== undefined
      ? { channel: str(c.channel), senderId: str(c.senderId), senderIsOwner: typeof c.senderIsOwner === "boolean" ? c.senderIsOwner : undefined }
      : { ...LOCAL_OPERATOR };
  return {
    ok: true,
    id: c.id ?? null,
    input: { tool: c.tool, params: c.params ?? {}, sessionKey: str(c.sessionKey) ?? "agent:main:main", agentId: str(c.agentId), requester },
  };
}

export async function runEvaluate(gate: Gate, input: Readable, output: Writable): Promise<{ lines: number }> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  for await (const line of rl) {
    if (line.trim() === "") continue;
    lines++;
    const parsed = caseToInput(line);
    let out: Record<string, unknown>;
    if (!parsed.ok) {
      out = { id: null, decision: "block", ruleIds: ["input.invalid"], reason: parsed.reason, latencyUs: 0 };
    } else {
      const r = await gate.decide(parsed.input);
      out = { id: parsed.id, decision: r.decision.kind, ruleIds: r.decision.ruleIds, reason: r.decision.reason, ...(r.decision.evidence ? { evidence: r.decision.evidence } : {}), latencyUs: r.latencyUs };
    }
    if (!output.write(`${JSON.stringify(out)}\n`)) await new Promise((res) => output.once("drain", res));
  }
  return { lines };
}
