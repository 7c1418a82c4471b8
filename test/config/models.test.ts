// Config: the models key (issue #9) — valid endpoints, defaults, keys only as ${VAR} placeholders and collected as secrets, one test per invalid shape.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config/load.ts";
import { createScrubber } from "../../src/ops/scrub.ts";

const env = { LOCAL_API_KEY: "local-key-0123456789", ANTHROPIC_API_KEY: "claude-key-abcdef0123" };
const ollama = { provider: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.1:8b" };

function problems(models: unknown): string[] {
  const r = parseConfig({ models }, env);
  assert.equal(r.ok, false);
  return r.ok ? [] : r.problems;
}

describe("config: models", () => {
  test("no models by default", () => {
    const r = parseConfig({}, env);
    assert.deepEqual(r.ok && r.value.config.models, {});
  });

  test("a local OpenAI-compatible endpoint with a placeholder key parses, defaults applied", () => {
    const r = parseConfig({ models: { local: { ...ollama, apiKey: "${LOCAL_API_KEY}" } } }, env);
    assert.equal(r.ok, true);
    assert.deepEqual(r.ok && r.value.config.models, {
      local: { provider: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.1:8b", apiKey: "local-key-0123456789", timeoutMs: 10000, maxTokens: 300, jsonMode: true },
    });
  });

  test("an Anthropic endpoint without baseUrl, every limit given", () => {
    const r = parseConfig({ models: { claude: { provider: "anthropic", model: "claude-haiku-4-5", apiKey: "${ANTHROPIC_API_KEY}", timeoutMs: 20000, maxTokens: 200, jsonMode: false } } }, env);
    assert.deepEqual(r.ok && r.value.config.models, {
      claude: { provider: "anthropic", model: "claude-haiku-4-5", apiKey: "claude-key-abcdef0123", timeoutMs: 20000, maxTokens: 200, jsonMode: false },
    });
  });

  test("a keyless local endpoint and names with digits, '_' and '-'", () => {
    const r = parseConfig({ models: { "ollama-2": ollama, llama_cpp: { ...ollama, baseUrl: "http://localhost:8080/v1" } } }, env);
    assert.deepEqual(r.ok && Object.keys(r.value.config.models), ["ollama-2", "llama_cpp"]);
  });

  test("the resolved apiKey is a secret value, so the scrubber removes it", () => {
    const r = parseConfig({ models: { local: { ...ollama, apiKey: "${LOCAL_API_KEY}" } } }, env);
    assert.ok(r.ok);
    assert.deepEqual(r.value.secretValues, ["local-key-0123456789"]);
    assert.equal(createScrubber(r.value.secretValues)("HTTP 401 for local-key-0123456789"), "HTTP 401 for [redacted:configured-secret]");
  });

  test("a literal apiKey is refused", () => {
    assert.deepEqual(problems({ local: { ...ollama, apiKey: "hunter2hunter2" } }), [
      'models.local.apiKey: must be an environment placeholder, not the key itself; write "${LOCAL_API_KEY}" and put the key in .env (mode 600)',
    ]);
  });

  test("a literal apiKey with a dash in the model name names the variable with '_'", () => {
    assert.deepEqual(problems({ "my-claude": { provider: "anthropic", model: "claude-haiku-4-5", apiKey: "hunter2hunter2" } }), [
      'models.my-claude.apiKey: must be an environment placeholder, not the key itself; write "${MY_CLAUDE_API_KEY}" and put the key in .env (mode 600)',
    ]);
  });

  test("an unset placeholder", () => {
    assert.deepEqual(problems({ local: { ...ollama, apiKey: "${NOT_SET_KEY}" } }), ["models.local.apiKey: references ${NOT_SET_KEY}, which is not set; set NOT_SET_KEY in the environment or in the .env file"]);
  });

  test("openai without baseUrl", () => {
    assert.deepEqual(problems({ local: { provider: "openai", model: "llama3.1:8b" } }), [
      "models.local.baseUrl: provider openai needs baseUrl (http://127.0.0.1:11434/v1 for a local Ollama); correct the value (see the config reference in README.md)",
    ]);
  });

  test("anthropic without apiKey", () => {
    assert.deepEqual(problems({ claude: { provider: "anthropic", model: "claude-haiku-4-5" } }), [
      'models.claude.apiKey: provider anthropic needs apiKey ("${ANTHROPIC_API_KEY}"); correct the value (see the config reference in README.md)',
    ]);
  });

  test("a key over plain http to a host that is not loopback", () => {
    assert.deepEqual(problems({ lan: { ...ollama, baseUrl: "http://192.168.1.5:11434/v1", apiKey: "${LOCAL_API_KEY}" } }), [
      "models.lan.baseUrl: would send the apiKey unencrypted: use https, or a loopback address (127.0.0.1, localhost, [::1]); correct the value (see the config reference in README.md)",
    ]);
  });

  test("a loopback look-alike host is not loopback", () => {
    assert.deepEqual(problems({ lan: { ...ollama, baseUrl: "http://127.0.0.1.example.com/v1", apiKey: "${LOCAL_API_KEY}" } }), [
      "models.lan.baseUrl: would send the apiKey unencrypted: use https, or a loopback address (127.0.0.1, localhost, [::1]); correct the value (see the config reference in README.md)",
    ]);
  });

  test("credentials in baseUrl", () => {
    assert.deepEqual(problems({ lan: { ...ollama, baseUrl: "https://user:pw@models.example.com/v1" } }), [
      "models.lan.baseUrl: must be an http:// or https:// URL without credentials (http://127.0.0.1:11434/v1); correct the value's format",
    ]);
  });

  test("a model name with upper-case letters", () => {
    assert.deepEqual(problems({ Local: ollama }), [
      "models.Local: is not a model name: use 1-32 lower-case letters, digits, '_' or '-' (local, claude); correct the value (see the config reference in README.md)",
    ]);
  });

  test("an unknown provider", () => {
    assert.deepEqual(problems({ local: { ...ollama, provider: "gemini" } }), ['models.local.provider: expected one of "openai"|"anthropic"; use one of "openai", "anthropic"']);
  });

  test("an unknown key", () => {
    assert.deepEqual(problems({ local: { ...ollama, temperature: 1 } }), ['models.local: unknown key "temperature"; remove it or fix its spelling (see the config reference in README.md)']);
  });

  test("timeoutMs below 500", () => {
    assert.deepEqual(problems({ local: { ...ollama, timeoutMs: 100 } }), ["models.local.timeoutMs: expected number to be >=500; change the value to fit the limit"]);
  });

  test("maxTokens above 4096", () => {
    assert.deepEqual(problems({ local: { ...ollama, maxTokens: 5000 } }), ["models.local.maxTokens: expected number to be <=4096; change the value to fit the limit"]);
  });

  test("models as an array", () => {
    assert.deepEqual(problems([ollama]), ["models: expected record, received array; give a value of type record"]);
  });
});
