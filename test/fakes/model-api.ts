// A fake model server on 127.0.0.1 speaking OpenAI /v1/chat/completions and Anthropic /v1/messages, answering from a script queue.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./http-body.ts";

/** What the next request gets. delayMs holds the answer back (a slow model); the client may give up first. */
export type ModelReply =
  /** The answer text is JSON.stringify(value): a scripted verdict. */
  | { kind: "json"; value: unknown; delayMs?: number }
  /** The answer text as given: prose, fenced JSON, garbage. */
  | { kind: "text"; text: string; delayMs?: number }
  /** An error status with the API's error body (500, 429...). */
  | { kind: "status"; status: number; delayMs?: number }
  /** The connection is destroyed without an answer. */
  | { kind: "drop"; delayMs?: number }
  /** A 200 whose whole HTTP body is `body` (not the API's shape): oversized or malformed responses. */
  | { kind: "raw"; body: string; delayMs?: number };

export type ModelApi = "openai" | "anthropic";

export type RecordedModelRequest = {
  api: ModelApi;
  path: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Record<string, unknown>;
  /** The system prompt as sent (OpenAI: the system message; Anthropic: `system`). */
  system: string | undefined;
  /** The first user message's text. */
  user: string | undefined;
  /** The reply kind that answered it; "unscripted" when the queue was empty (answered 500). */
  reply: ModelReply["kind"] | "unscripted";
};

export type FakeModelApi = {
  /** For an openai endpoint's baseUrl (…/v1). */
  readonly openaiBaseUrl: string;
  /** For an anthropic endpoint's baseUrl (the SDK appends /v1/messages). */
  readonly anthropicBaseUrl: string;
  /** Every model request (both APIs), oldest first. */
  readonly requests: readonly RecordedModelRequest[];
  /** Queues replies; each request takes the oldest. An empty queue answers 500 "no scripted reply". */
  reply(...replies: ModelReply[]): void;
  /** Replies still queued. */
  pending(): number;
  close(): Promise<void>;
};

const MAX_RECORDED = 1_000;
const MAX_QUEUED = 1_000;
const MAX_BODY_BYTES = 1_000_000;

/** Starts the fake on 127.0.0.1 with an OS-chosen port. */
export async function startFakeModelApi(): Promise<FakeModelApi> {
  const queue: ModelReply[] = [];
  const requests: RecordedModelRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let nextId = 1;
  let closed = false;

  function send(res: ServerResponse, status: number, body: string, extraHeaders: Record<string, string> = {}): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...extraHeaders });
    res.end(body);
  }

  function answerBody(api: ModelApi, model: unknown, text: string): string {
    const id = nextId++;
    if (api === "openai") {
      return JSON.stringify({
        id: `chatcmpl-fake-${id}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      });
    }
    return JSON.stringify({
      id: `msg_fake_${id}`,
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  }

  /** The API's own error shape; it echoes the credential it got, so a client that quotes error bodies would leak it. */
  function errorBody(api: ModelApi, status: number, credential: string): string {
    const message = `fake failure ${status} for credential ${credential}`;
    return api === "openai"
      ? JSON.stringify({ error: { message, type: status === 429 ? "rate_limit_exceeded" : "server_error", code: null } })
      : JSON.stringify({ type: "error", error: { type: status === 429 ? "rate_limit_error" : "api_error", message } });
  }

  function deliver(api: ModelApi, reply: ModelReply | undefined, body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): void {
    const credential = req.headers.authorization ?? String(req.headers["x-api-key"] ?? "");
    if (reply === undefined) return send(res, 500, errorBody(api, 500, "(no scripted reply)"));
    switch (reply.kind) {
      case "json":
        return send(res, 200, answerBody(api, body.model, JSON.stringify(reply.value)));
      case "text":
        return send(res, 200, answerBody(api, body.model, reply.text));
      case "status":
        return send(res, reply.status, errorBody(api, reply.status, credential), reply.status === 429 ? { "retry-after": "0" } : {});
      case "drop":
        req.socket.destroy();
        return;
      case "raw":
        return send(res, 200, reply.body);
      default:
        return reply satisfies never;
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const api: ModelApi | undefined = path === "/v1/chat/completions" ? "openai" : path === "/v1/messages" ? "anthropic" : undefined;
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch {
      return send(res, 400, JSON.stringify({ error: { message: "fake: body is not a JSON object" } }));
    }
    if (api === undefined || req.method !== "POST") return send(res, 404, JSON.stringify({ error: { message: `fake: no route ${req.method} ${path}` } }));
    const reply = queue.shift();
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const recorded: RecordedModelRequest = { api, path, headers, body, ...prompts(api, body), reply: reply?.kind ?? "unscripted" };
    requests.push(recorded);
    if (requests.length > MAX_RECORDED) requests.shift();
    const delayMs = reply?.delayMs ?? 0;
    if (delayMs <= 0) return deliver(api, reply, body, req, res);
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver(api, reply, body, req, res);
    }, delayMs);
    timers.add(timer);
    // The client gave up (its timeout): nothing left to answer.
    res.on("close", () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, 500, JSON.stringify({ error: { message: "fake: internal error" } })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;

  return {
    openaiBaseUrl: `${root}/v1`,
    anthropicBaseUrl: root,
    requests,
    reply(...replies) {
      if (queue.length + replies.length > MAX_QUEUED) throw new Error("fake model: too many queued replies");
      queue.push(...replies);
    },
    pending: () => queue.length,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function prompts(api: ModelApi, body: Record<string, unknown>): { system: string | undefined; user: string | undefined } {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const textOf = (m: unknown): string | undefined => {
    const content = typeof m === "object" && m !== null ? (m as { content?: unknown }).content : undefined;
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
      const texts = content.map((p) => (typeof p === "object" && p !== null ? (p as { text?: unknown }).text : undefined)).filter((t): t is string => typeof t === "string");
      return texts.length > 0 ? texts.join("") : undefined;
    }
    return undefined;
  };
  const role = (m: unknown): unknown => (typeof m === "object" && m !== null ? (m as { role?: unknown }).role : undefined);
  const system = api === "openai" ? textOf(messages.find((m) => role(m) === "system" || role(m) === "developer")) : typeof body.system === "string" ? body.system : textOf({ content: body.system });
  return { system, user: textOf(messages.find((m) => role(m) === "user")) };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString("utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
  return parsed as Record<string, unknown>;
}
