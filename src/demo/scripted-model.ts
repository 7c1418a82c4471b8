// A scripted OpenAI-compatible chat-completions server on 127.0.0.1: the demo's model and the e2e tests' model.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted tool call. */
export type ScriptedToolCall = { readonly tool: string; readonly args: Readonly<Record<string, unknown>> };

/** What the mock answers for one scenario: a tool call, several in turn (one per model request), or plain assistant text. */
export type ScriptedReply = ScriptedToolCall | { readonly steps: readonly ScriptedToolCall[] } | { readonly text: string };

/** Picks the reply to the latest user message (internal-context messages already removed). */
export type ReplyFn = (lastUserText: string) => ScriptedReply;

/** One request the mock received, as parsed JSON (`body` is `null` when it was not JSON). */
export type ModelRequest = {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
};

export type ScriptedModel = {
  /** Base URL for an OpenClaw `openai-completions` provider, ending in `/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order; tests read tool results from here. */
  readonly requests: ModelRequest[];
  close(): Promise<void>;
};

export const SCRIPTED_MODEL_ID = "mock-1";

const INTERNAL_CONTEXT_MARKER = "BEGIN_OPENCLAW_INTERNAL_CONTEXT";
const TOOL_RESULT_ECHO_CHARS = 400;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

type ChatMessage = { readonly role: string; readonly content: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of an OpenAI message `content`: a string or an array of parts with `text`. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) => {
      if (typeof part === "string") return part;
      if (isRecord(part) && typeof part["text"] === "string") return part["text"];
      return "";
    })
    .join("");
}

function messagesOf(body: unknown): ChatMessage[] {
  if (!isRecord(body) || !Array.isArray(body["messages"])) return [];
  const out: ChatMessage[] = [];
  for (const m of body["messages"] as unknown[]) {
    if (isRecord(m) && typeof m["role"] === "string") out.push({ role: m["role"], content: m["content"] });
  }
  return out;
}

function isInternalContext(m: ChatMessage): boolean {
  return m.role === "user" && contentText(m.content).includes(INTERNAL_CONTEXT_MARKER);
}

/**
 * Tool results each chat request delivered as new: the trailing `tool` messages after the last
 * assistant turn. Earlier turns of a reused session are re-sent as history and are not counted.
 */
export function toolResultsSeen(requests: readonly ModelRequest[]): string[] {
  const out: string[] = [];
  for (const r of requests) {
    const messages = messagesOf(r.body).filter((m) => !isInternalContext(m));
    const trailing: string[] = [];
    for (let i = messages.length - 1; i >= 0 && messages[i]?.role === "tool"; i -= 1) {
      trailing.unshift(contentText(messages[i]?.content));
    }
    out.push(...trailing);
  }
  return out;
}

type Decision = { kind: "tool"; name: string; args: Readonly<Record<string, unknown>> } | { kind: "text"; text: string };

function decide(body: unknown, reply: ReplyFn): Decision {
  const messages = messagesOf(body).filter((m) => !isInternalContext(m));
  const last = messages.at(-1);
  const userAt = messages.findLastIndex((m) => m.role === "user");
  const lastUser = messages[userAt];
  if (last?.role === "tool") {
    // A multi-step scenario issues its next call after each tool result (counted since the user's message).
    const r = reply(contentText(lastUser?.content));
    const next = "steps" in r ? r.steps[messages.slice(userAt + 1).filter((m) => m.role === "tool").length] : undefined;
    if (next) return { kind: "tool", name: next.tool, args: next.args };
    const result = contentText(last.content).slice(0, TOOL_RESULT_ECHO_CHARS);
    return { kind: "text", text: `MOCK-FINAL: tool result was: ${result}` };
  }
  const r = reply(contentText(lastUser?.content));
  if ("steps" in r) {
    const first = r.steps[0];
    return first ? { kind: "tool", name: first.tool, args: first.args } : { kind: "text", text: "MOCK-TEXT: empty steps" };
  }
  return "tool" in r ? { kind: "tool", name: r.tool, args: r.args } : { kind: "text", text: r.text };
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

function writeCompletion(res: ServerResponse, body: unknown, decision: Decision, seq: number): void {
  const id = `chatcmpl-mock-${seq}`;
  const model = isRecord(body) && typeof body["model"] === "string" ? body["model"] : SCRIPTED_MODEL_ID;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  // Fresh id per call: OpenClaw rewrites tool-call ids, so nothing here may depend on them.
  const callId = `call_mock_${seq}`;
  const stream = isRecord(body) && body["stream"] === true;
  if (!stream) {
    const message =
      decision.kind === "tool"
        ? {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: callId, type: "function", function: { name: decision.name, arguments: JSON.stringify(decision.args) } },
            ],
          }
        : { role: "assistant", content: decision.text };
    const finish = decision.kind === "tool" ? "tool_calls" : "stop";
    sendJson(res, 200, { id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`);
  };
  if (decision.kind === "tool") {
    chunk([
      {
        index: 0,
        delta: {
          role: "assistant",
          content: null,
          tool_calls: [{ index: 0, id: callId, type: "function", function: { name: decision.name, arguments: "" } }],
        },
        finish_reason: null,
      },
    ]);
    chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(decision.args) } }] }, finish_reason: null }]);
    chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]);
  } else {
    chunk([{ index: 0, delta: { role: "assistant", content: decision.text }, finish_reason: null }]);
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }]);
  }
  chunk([], { usage });
  res.end("data: [DONE]\n\n");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw === "") return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** Start the scripted model on 127.0.0.1 with an OS-chosen port. */
export async function startScriptedModel(options: { readonly reply: ReplyFn }): Promise<ScriptedModel> {
  const requests: ModelRequest[] = [];
  let seq = 0;
  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const body = parseJson(raw);
        const method = req.method ?? "GET";
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        requests.push({ method, url: req.url ?? "/", body });
        if (method === "GET" && path.endsWith("/models")) {
          sendJson(res, 200, { object: "list", data: [{ id: SCRIPTED_MODEL_ID, object: "model", owned_by: "mock" }] });
          return;
        }
        if (method === "POST" && path.endsWith("/chat/completions")) {
          seq += 1;
          writeCompletion(res, body, decide(body, options.reply), seq);
          return;
        }
        sendJson(res, 404, { error: { message: `mock model: no route ${method} ${path}` } });
      },
      (err: unknown) => sendJson(res, 400, { error: { message: String(err) } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The gateway keeps HTTP connections alive; without this close() would wait for them.
        server.closeAllConnections();
      }),
  };
}
