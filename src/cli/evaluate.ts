// `otheru-coordinator evaluate`: JSONL cases in, JSONL decisions out, through the hook's own gate.
import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import type { Gate, GateInput } from "../gate/gate.ts";
import type { PriorCall } from "../purpose/align.ts";

type Case = {
  id?: unknown;
  tool?: unknown;
  params?: unknown;
  sessionKey?: unknown;
  channel?: unknown;
  agentId?: unknown;
  senderId?: unknown;
  senderIsOwner?: unknown;
  goal?: unknown;
  priorCalls?: unknown;
};

/** `priorCalls`: [{tool, params, result?}]; entries without a tool name are skipped, a non-string result is kept as JSON. */
function priorCallsOf(v: unknown): PriorCall[] {
  if (!Array.isArray(v)) return [];
  const out: PriorCall[] = [];
  for (const p of v.slice(0, 200)) {
    if (p === null || typeof p !== "object" || typeof (p as { tool?: unknown }).tool !== "string") continue;
    const { tool, params, result } = p as { tool: string; params?: unknown; result?: unknown };
    const call: PriorCall = { tool, params: params !== null && typeof params === "object" && !Array.isArray(params) ? (params as Record<string, unknown>) : {} };
    if (result !== undefined && result !== null) call.result = typeof result === "string" ? result : JSON.stringify(result);
    out.push(call);
  }
  return out;
}

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
    input: {
      tool: c.tool,
      params: c.params ?? {},
      sessionKey: str(c.sessionKey) ?? "agent:main:main",
      agentId: str(c.agentId),
      requester,
      // The line's goal is the user's own request as the operator states it: trusted by construction.
      ...(typeof c.goal === "string" || c.priorCalls !== undefined ? { purpose: { goal: typeof c.goal === "string" ? c.goal : undefined, priorCalls: priorCallsOf(c.priorCalls) } } : {}),
    },
  };
}

/**
 * Lines split at "\n" only, a trailing "\r" dropped. (readline also breaks at a lone "\r", which is JSON
 * whitespace: one valid case would come back as two invalid ones.) Each chunk is searched once: linear in the input.
 */
async function* linesOf(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  const cut = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);
  let partial = "";
  for await (const chunk of input) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      yield cut(partial + text.slice(start, nl));
      partial = "";
      start = nl + 1;
    }
    partial += text.slice(start);
  }
  partial += decoder.end();
  if (partial !== "") yield cut(partial);
}

/** The output line; an `id` JSON.stringify cannot write (nested too deep) is echoed as null rather than losing the decision. */
function outputLine(out: Record<string, unknown>): string {
  try {
    return JSON.stringify(out);
  } catch {
    return JSON.stringify({ ...out, id: null });
  }
}

export async function runEvaluate(gate: Gate, input: Readable, output: Writable): Promise<{ lines: number }> {
  let lines = 0;
  for await (const line of linesOf(input)) {
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
    if (!output.write(`${outputLine(out)}\n`)) await new Promise((res) => output.once("drain", res));
  }
  return { lines };
}
