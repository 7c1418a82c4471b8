// The scripted model fake answers the way the e2e tests rely on: scenario choice, tool-result echo, SSE framing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startMockModel, toolResultsSeen } from "./mock-model.ts";
import type { MockModel } from "./mock-model.ts";

let mock: MockModel | undefined;

function server(): MockModel {
  assert.ok(mock);
  return mock;
}

before(async () => {
  mock = await startMockModel({
    script: {
      wipe: { tool: "exec", args: { command: "rm -rf /nonexistent" } },
      greet: { text: "hello there" },
    },
  });
});

after(async () => {
  await mock?.close();
});

async function complete(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server().url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-1", ...body }),
    signal: AbortSignal.timeout(5_000),
  });
}

test("binds loopback and lists its model", async () => {
  assert.match(server().url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const res = await fetch(`${server().url}/models`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { object: "list", data: [{ id: "mock-1", object: "model", owned_by: "mock" }] });
});

test("non-stream: the scenario in the last user message picks the tool call; internal context is skipped", async () => {
  const res = await complete({
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: [{ type: "text", text: "do it SCENARIO:wipe" }] },
      { role: "user", content: "BEGIN_OPENCLAW_INTERNAL_CONTEXT SCENARIO:greet" },
    ],
  });
  const json = (await res.json()) as { choices: [{ message: { tool_calls: [{ function: { name: string; arguments: string } }] }; finish_reason: string }] };
  assert.equal(json.choices[0].finish_reason, "tool_calls");
  assert.equal(json.choices[0].message.tool_calls[0].function.name, "exec");
  assert.equal(json.choices[0].message.tool_calls[0].function.arguments, '{"command":"rm -rf /nonexistent"}');
});

test("stream: SSE chunks carry the tool call and end with [DONE]", async () => {
  const res = await complete({ stream: true, messages: [{ role: "user", content: "SCENARIO:wipe" }] });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const events = (await res.text()).split("\n\n").filter((e) => e !== "");
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")) as { choices: { delta?: { tool_calls?: { function: { name?: string; arguments: string } }[] }; finish_reason: string | null }[] });
  assert.equal(chunks[0]?.choices[0]?.delta?.tool_calls?.[0]?.function.name, "exec");
  assert.equal(chunks[1]?.choices[0]?.delta?.tool_calls?.[0]?.function.arguments, '{"command":"rm -rf /nonexistent"}');
  assert.equal(chunks[2]?.choices[0]?.finish_reason, "tool_calls");
});

test("a trailing tool result is echoed (first 400 chars) as the final text", async () => {
  const long = `blocked: ${"x".repeat(500)}`;
  const res = await complete({
    stream: true,
    messages: [
      { role: "user", content: "SCENARIO:wipe" },
      { role: "assistant", content: null, tool_calls: [{ id: "anything", type: "function", function: { name: "exec", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "rewritten-id", content: long },
    ],
  });
  const first = (await res.text()).split("\n\n")[0] ?? "";
  const chunk = JSON.parse(first.replace(/^data: /, "")) as { choices: [{ delta: { content: string } }] };
  assert.equal(chunk.choices[0].delta.content, `MOCK-FINAL: tool result was: ${long.slice(0, 400)}`);
});

test("text scenarios, unknown scenarios and no marker answer with text", async () => {
  const texts: string[] = [];
  for (const content of ["SCENARIO:greet", "SCENARIO:nope", "just chatting"]) {
    const res = await complete({ messages: [{ role: "user", content }] });
    const json = (await res.json()) as { choices: [{ message: { content: string } }] };
    texts.push(json.choices[0].message.content);
  }
  assert.deepEqual(texts, ["hello there", "MOCK-TEXT: unknown scenario nope", "MOCK-TEXT: no scenario marker"]);
});

test("toolResultsSeen counts only the tool results a request delivers as new", () => {
  const requests = [
    { method: "POST", url: "/v1/chat/completions", body: { messages: [{ role: "user", content: "a" }] } },
    {
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        messages: [
          { role: "tool", content: "old result from an earlier turn" },
          { role: "assistant", content: "done" },
          { role: "user", content: "b" },
          { role: "assistant", content: null },
          { role: "tool", content: [{ type: "text", text: "new result" }] },
          { role: "user", content: "BEGIN_OPENCLAW_INTERNAL_CONTEXT" },
        ],
      },
    },
  ];
  assert.deepEqual(toolResultsSeen(requests), ["new result"]);
});

test("every request is recorded", () => {
  assert.ok(server().requests.some((r) => r.method === "GET" && r.url === "/v1/models"));
  assert.ok(server().requests.filter((r) => r.url === "/v1/chat/completions").length >= 6);
});
