// A scripted supervisor model for the load runs: an OpenAI-compatible chat completions server on 127.0.0.1 whose
// verdict follows the call it is shown (so every escalated call has a known outcome under any interleaving).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../fakes/http-body.ts";

export type Verdict = "approve" | "deny" | "ask-human";

export type ScriptedSupervisor = {
  /** For a models.<name>.baseUrl (…/v1). */
  readonly baseUrl: string;
  /** Reviews answered, by verdict. */
  readonly answered: Readonly<Record<Verdict, number>>;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 1_000_000;

/** `script(userPrompt)` picks the verdict; the prompt carries the call's redacted arguments as JSON. */
export async function startScriptedSupervisor(script: (user: string) => Verdict): Promise<ScriptedSupervisor> {
  const answered: Record<Verdict, number> = { approve: 0, deny: 0, "ask-human": 0 };
  let nextId = 1;

  function send(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch {
      return send(res, 413, JSON.stringify({ error: { message: "body too large" } }));
    }
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://127.0.0.1").pathname !== "/v1/chat/completions") {
      return send(res, 404, JSON.stringify({ error: { message: "no such route" } }));
    }
    const body = JSON.parse(raw.toString("utf8")) as { model?: unknown; messages?: Array<{ role?: unknown; content?: unknown }> };
    const user = body.messages?.find((m) => m.role === "user")?.content;
    const verdict = script(typeof user === "string" ? user : "");
    answered[verdict]++;
    const text = JSON.stringify({ verdict, risk: verdict === "approve" ? "low" : "high", rationale: `Scripted ${verdict} for the load run.` });
    send(
      res,
      200,
      JSON.stringify({
        id: `chatcmpl-load-${nextId++}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      }),
    );
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: { message: "scripted supervisor: internal error" } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    answered,
    async close() {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
