// The model client against the loopback fake, for both APIs: answers, wrapped JSON, garbage, schema failures, slowness, HTTP errors, drops, size limits.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { createModelClient, extractJsonObject, type ModelClient, type ModelEndpoint } from "../../src/models/client.ts";
import { createScrubber } from "../../src/ops/scrub.ts";
import { type FakeModelApi, startFakeModelApi } from "../fakes/model-api.ts";

const KEY = "test-model-key-7f3a9c2e51";
const scrub = createScrubber([KEY]);
const Verdict = z.object({ verdict: z.enum(["approve", "deny", "ask-human"]), risk: z.enum(["low", "medium", "high", "critical"]) }).strict();
const ask = { system: "You judge calls. Answer JSON.", user: "tool: \"exec\"", schema: Verdict };

let fake: FakeModelApi;
before(async () => {
  fake = await startFakeModelApi();
});
after(async () => {
  await fake.close();
});

function endpoint(provider: "openai" | "anthropic", extra: Partial<ModelEndpoint> = {}): ModelEndpoint {
  return {
    provider,
    baseUrl: provider === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
    model: provider === "openai" ? "llama3.1:8b" : "claude-haiku-4-5",
    apiKey: KEY,
    timeoutMs: 5_000,
    maxTokens: 300,
    jsonMode: true,
    ...extra,
  };
}

for (const provider of ["openai", "anthropic"] as const) {
  describe(`model client (${provider})`, () => {
    let client: ModelClient;
    before(() => {
      client = createModelClient(endpoint(provider), { scrub });
    });

    /** One scripted reply, one call; asserts the fake got exactly one request (no retries). */
    async function once(reply: Parameters<FakeModelApi["reply"]>[0], extra: { timeoutMs?: number } = {}) {
      const before = fake.requests.length;
      fake.reply(reply);
      const result = await client.askJson({ ...ask, ...extra });
      assert.equal(fake.requests.length, before + 1, "exactly one request, no retry");
      assert.equal(fake.pending(), 0);
      if (!result.ok) assert.ok(!result.error.includes(KEY), "the key never appears in an error");
      return result;
    }

    test("a scripted verdict is returned validated", async () => {
      const r = await once({ kind: "json", value: { verdict: "deny", risk: "high" } });
      assert.equal(r.ok, true);
      assert.deepEqual(r.ok && r.value, { verdict: "deny", risk: "high" });
      assert.equal(typeof r.latencyMs, "number");
    });

    test("JSON wrapped in prose is accepted", async () => {
      const r = await once({ kind: "text", text: 'Here is my verdict: {"verdict": "approve", "risk": "low"} Hope that helps {not json}.' });
      assert.deepEqual(r.ok && r.value, { verdict: "approve", risk: "low" });
    });

    test("JSON in a ```json fence after a <think> block with braces is accepted", async () => {
      const r = await once({ kind: "text", text: '<think>maybe {"verdict": "approve"}?</think>\n```json\n{"verdict": "ask-human", "risk": "medium"}\n```' });
      assert.deepEqual(r.ok && r.value, { verdict: "ask-human", risk: "medium" });
    });

    test("garbage is not JSON", async () => {
      const r = await once({ kind: "text", text: "I think this is fine, go ahead!" });
      assert.deepEqual(r.ok ? r : { ok: r.ok, error: r.error }, { ok: false, error: "answer is not JSON" });
    });

    test("a broken JSON object is not JSON", async () => {
      const r = await once({ kind: "text", text: '{"verdict": "approve", "risk": low}' });
      assert.equal(!r.ok && r.error, "answer is not JSON");
    });

    test("a wrong value fails the schema", async () => {
      const r = await once({ kind: "json", value: { verdict: "yes", risk: "low" } });
      assert.equal(!r.ok && r.error, 'answer fails the schema: verdict: Invalid option: expected one of "approve"|"deny"|"ask-human"');
    });

    test("a wrong type fails the schema", async () => {
      const r = await once({ kind: "json", value: { verdict: "approve", risk: 3 } });
      assert.equal(!r.ok && r.error, "answer fails the schema: risk: Invalid option: expected one of \"low\"|\"medium\"|\"high\"|\"critical\"");
    });

    test("an extra key fails the schema", async () => {
      const r = await once({ kind: "json", value: { verdict: "approve", risk: "low", override: true } });
      assert.equal(!r.ok && r.error, 'answer fails the schema: (root): Unrecognized key: "override"');
    });

    test("a slow answer times out with the client's timeout", async () => {
      const r = await once({ kind: "json", value: { verdict: "approve", risk: "low" }, delayMs: 10_000 }, { timeoutMs: 200 });
      assert.equal(!r.ok && r.error, "timed out after 200 ms");
    });

    test("HTTP 500 (its body echoes the key)", async () => {
      const r = await once({ kind: "status", status: 500 });
      assert.equal(!r.ok && r.error, "HTTP 500");
    });

    test("HTTP 429 is not retried", async () => {
      const r = await once({ kind: "status", status: 429 });
      assert.equal(!r.ok && r.error, "HTTP 429");
    });

    test("a dropped connection", async () => {
      const r = await once({ kind: "drop" });
      assert.equal(!r.ok && r.error, "connection failed (UND_ERR_SOCKET)");
    });

    test("an answer over 16384 characters is refused unparsed", async () => {
      const r = await once({ kind: "text", text: `{"verdict": "approve", "risk": "low"}${" ".repeat(16_400)}` });
      assert.equal(!r.ok && r.error, "answer too large (16437 characters, limit 16384)");
    });

    test("an empty answer", async () => {
      const r = await once({ kind: "text", text: "  " });
      assert.equal(!r.ok && r.error, "answer is empty");
    });

    test("the key reaches the server (OpenAI: Bearer; Anthropic: x-api-key); the prompt as system and user", async () => {
      await once({ kind: "json", value: { verdict: "deny", risk: "low" } });
      const req = fake.requests.at(-1);
      assert.equal(req?.api, provider);
      // @anthropic-ai/sdk 0.125.0 (the version OpenClaw's managed install pins) sends x-api-key.
      if (provider === "anthropic") assert.equal(req?.headers["x-api-key"], KEY);
      else assert.equal(req?.headers.authorization, `Bearer ${KEY}`);
      assert.equal(req?.system, "You judge calls. Answer JSON.");
      assert.equal(req?.user, 'tool: "exec"');
      assert.equal(req?.body.max_tokens, 300);
    });
  });
}

describe("model client: provider specifics", () => {
  test("openai: temperature 0 and response_format json_object", async () => {
    const client = createModelClient(endpoint("openai"), { scrub });
    fake.reply({ kind: "json", value: { verdict: "deny", risk: "low" } });
    await client.askJson(ask);
    const body = fake.requests.at(-1)?.body;
    assert.equal(body?.model, "llama3.1:8b");
    assert.equal(body?.temperature, 0);
    assert.deepEqual(body?.response_format, { type: "json_object" });
    assert.equal(body?.stream, undefined);
  });

  test("openai without jsonMode sends no response_format", async () => {
    const client = createModelClient(endpoint("openai", { jsonMode: false }), { scrub });
    fake.reply({ kind: "json", value: { verdict: "deny", risk: "low" } });
    await client.askJson(ask);
    assert.equal(fake.requests.at(-1)?.body.response_format, undefined);
  });

  test("openai without apiKey (local Ollama) sends no Authorization header", async () => {
    const { apiKey: _unused, ...noKey } = endpoint("openai");
    const client = createModelClient(noKey, { scrub });
    fake.reply({ kind: "json", value: { verdict: "deny", risk: "low" } });
    const r = await client.askJson(ask);
    assert.equal(r.ok, true);
    assert.equal(fake.requests.at(-1)?.headers.authorization, undefined);
  });

  test("anthropic: Messages API body and version header", async () => {
    const client = createModelClient(endpoint("anthropic"), { scrub });
    fake.reply({ kind: "json", value: { verdict: "deny", risk: "low" } });
    await client.askJson(ask);
    const req = fake.requests.at(-1);
    assert.equal(req?.path, "/v1/messages");
    assert.equal(typeof req?.headers["anthropic-version"], "string");
    assert.deepEqual(req?.body, { model: "claude-haiku-4-5", max_tokens: 300, system: "You judge calls. Answer JSON.", messages: [{ role: "user", content: 'tool: "exec"' }] });
  });

  test("a response body over maxResponseBytes is cut off", async () => {
    const client = createModelClient(endpoint("openai"), { scrub, maxResponseBytes: 1_000 });
    fake.reply({ kind: "raw", body: `{"choices": [{"message": {"content": "${"x".repeat(5_000)}"}}]}` });
    const r = await client.askJson(ask);
    assert.equal(!r.ok && r.error, "response larger than 1000 bytes");
  });

  test("the endpoint's timeoutMs applies when the request gives none", async () => {
    const client = createModelClient(endpoint("anthropic", { timeoutMs: 150 }), { scrub });
    fake.reply({ kind: "json", value: { verdict: "approve", risk: "low" }, delayMs: 10_000 });
    const r = await client.askJson(ask);
    assert.equal(!r.ok && r.error, "timed out after 150 ms");
  });

  test("the caller's signal cancels", async () => {
    const client = createModelClient(endpoint("openai"), { scrub });
    fake.reply({ kind: "json", value: { verdict: "approve", risk: "low" }, delayMs: 10_000 });
    const controller = new AbortController();
    const pending = client.askJson({ ...ask, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const r = await pending;
    assert.equal(!r.ok && r.error, "cancelled");
  });

  test("an already aborted signal makes no request", async () => {
    const client = createModelClient(endpoint("openai"), { scrub });
    const before = fake.requests.length;
    const r = await client.askJson({ ...ask, signal: AbortSignal.abort() });
    assert.equal(!r.ok && r.error, "cancelled");
    assert.equal(fake.requests.length, before);
  });

  test("nothing listening: connection refused", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = createModelClient(endpoint("openai", { baseUrl: `http://127.0.0.1:${port}/v1` }), { scrub });
    const r = await client.askJson(ask);
    assert.equal(!r.ok && r.error, "connection failed (ECONNREFUSED)");
  });

  test("anthropic without apiKey answers with the reason and makes no request", async () => {
    const { apiKey: _unused, ...noKey } = endpoint("anthropic");
    const client = createModelClient(noKey, { scrub });
    const before = fake.requests.length;
    const r = await client.askJson(ask);
    assert.equal(!r.ok && r.error, "anthropic endpoint needs apiKey");
    assert.equal(fake.requests.length, before);
  });

  test("a schema error quoting the key is scrubbed", async () => {
    const client = createModelClient(endpoint("openai"), { scrub });
    fake.reply({ kind: "json", value: { verdict: "approve", risk: "low", [KEY]: 1 } });
    const r = await client.askJson(ask);
    assert.equal(!r.ok && r.error, 'answer fails the schema: (root): Unrecognized key: "[redacted:configured-secret]"');
  });
});

describe("extractJsonObject", () => {
  const cases: Array<[string, unknown]> = [
    ['{"a": 1}', { a: 1 }],
    ['prose {"a": "}"} more', { a: "}" }],
    ['{"a": "\\"{"} tail', { a: '"{' }],
    ["{not json} then {\"b\": 2}", { b: 2 }],
    ['{"outer": {"inner": [1, {"x": null}]}}', { outer: { inner: [1, { x: null }] } }],
    ["[1, 2]", undefined],
    ["no braces", undefined],
    ['{"unterminated": 1', undefined],
  ];
  for (const [text, expected] of cases) {
    test(JSON.stringify(text), () => {
      const r = extractJsonObject(text);
      assert.deepEqual(r.ok ? r.value : undefined, expected);
    });
  }
});
