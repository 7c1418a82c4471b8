// Fuzzing the config loader: arbitrary JSON and mutated valid configs never throw, every problem is
// "<path>: <problem>; <fix>", and a valid config keeps its policy hash whatever order its keys come in.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { type ConfigResult, loadConfig } from "../../src/config/load.ts";
import { params } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-fuzz-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENV = { ADMIN_TELEGRAM_TOKEN: "123456:fake-admin-token-for-fuzzing", ADMIN_DISCORD_TOKEN: "fake.discord.token.for.fuzzing", LOCAL_API_KEY: "local-key-0123456789" };
/** No .env beside the temp dir: a mutated config never reads a file outside it. */
const load = (raw: unknown): ConfigResult => loadConfig(raw, { env: ENV, baseDir: dir });

const EXAMPLE = (JSON.parse(readFileSync(new URL("../../openclaw.config.example.json", import.meta.url), "utf8")) as { plugins: { entries: Record<string, { config: unknown }> } })
  .plugins.entries["otheru-coordinator"]?.config;

/** A config using most sections: admin chats on both platforms, approvals, models, credentials-free. */
const RICH = {
  defaultAction: "escalate",
  highStakesAction: "escalate",
  criticalChannels: ["telegram:group:-1001234567890", "discord:channel:222222222222222222"],
  rules: [
    { id: "r1", match: { chatTypes: ["shared"], owner: false }, escalate: ["message"], deny: ["group:runtime"] },
    { id: "r2", match: { channels: ["telegram:group:-1001234567890"], senders: ["telegram:42"] }, allow: ["read", "web_search"] },
  ],
  suspiciousPatterns: [{ id: "p1", tools: ["exec"], pattern: "prod-db\\.internal", flags: "i", action: "block", reason: "no prod" }],
  selfProtect: { paths: ["/srv/secrets"] },
  admin: {
    telegram: { token: "${ADMIN_TELEGRAM_TOKEN}", chatId: "-1001234567890", operators: ["4242"] },
    discord: { token: "${ADMIN_DISCORD_TOKEN}", guildId: "111111111111111111", channelId: "222222222222222222", operators: ["333333333333333333"] },
    maxMessageAgeSeconds: 120,
  },
  approvals: { timeoutMs: 60000, supervisor: { model: "local" } },
  models: { local: { provider: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.1:8b", apiKey: "${LOCAL_API_KEY}" } },
};

const VALID: readonly unknown[] = [{}, EXAMPLE, RICH];

/** "<dot.path>: <problem>; <fix>": a non-empty path ("(root)", or keys, which may hold any character), then problem and fix. */
const PROBLEM = /^[\s\S]+?: \S[\s\S]*; \S[\s\S]*$/;

function assertShape(r: ConfigResult): void {
  if (r.ok) {
    assert.match(r.value.policyHash, /^[0-9a-f]{64}$/);
    return;
  }
  assert.ok(Array.isArray(r.problems) && r.problems.length > 0, "a refused config lists at least one problem");
  for (const p of r.problems) {
    assert.equal(typeof p, "string");
    assert.match(p, PROBLEM);
  }
}

/** Keys the loader and schema give meaning to, plus the ones that touch Object.prototype. */
const KEYS = [
  "defaultAction", "highStakesAction", "criticalChannels", "rules", "suspiciousPatterns", "selfProtect", "admin", "approvals", "models", "purpose",
  "audit", "store", "credentials", "envFile", "stateDir", "id", "match", "allow", "deny", "escalate", "tools", "pattern", "telegram", "discord",
  "token", "chatId", "operators", "supervisor", "model", "apiKey", "url", "kind", "paths", "__proto__", "constructor", "toString", "prototype",
];

const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("${ADMIN_TELEGRAM_TOKEN}", "${NOT_SET}", "${", "$${X}", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "ghp_7fKx2LmQ9vRt4WnB8sYc1ZdE6hJ0aUoPqXyM", "redis://u:p4ssw0rd@h:6379", "\uD800", "\u202e", "\0", "(", "[", "*"),
  fc.constantFrom(...KEYS),
  fc.nat({ max: 70_000 }).map((n) => "x".repeat(n)),
);

const { value: hostileJson } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2)),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 6 }).map((o) => JSON.parse(JSON.stringify(o)) as unknown),
  ),
}));

/** As JSON.parse hands them over: "__proto__" an own key, no undefined, no -0. */
const asParsed = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? "null");

/** A path into a value as a list of steps; each step picks a key or index modulo what is there. */
type Mutation = { steps: number[]; op: "set" | "delete" | "wrap" | "duplicate" | "addKey"; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  steps: fc.array(fc.nat(), { maxLength: 6 }),
  op: fc.constantFrom("set", "delete", "wrap", "duplicate", "addKey"),
  key: fc.constantFrom(...KEYS),
  value: hostileJson,
});

function mutate(root: unknown, m: Mutation): unknown {
  const copy = asParsed(root);
  let parent: unknown = undefined;
  let at: string | number | undefined;
  let node: unknown = copy;
  for (const s of m.steps) {
    if (node === null || typeof node !== "object") break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node;
    at = keys[s % keys.length] as string | number;
    node = (node as Record<string | number, unknown>)[at];
  }
  const put = (v: unknown) => {
    if (parent === undefined || at === undefined) return v;
    Object.defineProperty(parent, at, { value: v, enumerable: true, writable: true, configurable: true });
    return copy;
  };
  switch (m.op) {
    case "set":
      return put(m.value);
    case "delete":
      if (parent === undefined || at === undefined) return {};
      if (Array.isArray(parent)) parent.splice(at as number, 1);
      else delete (parent as Record<string, unknown>)[at];
      return copy;
    case "wrap":
      return put([node]);
    case "duplicate":
      if (Array.isArray(node) && node.length > 0) node.push(asParsed(node[0]));
      return copy;
    case "addKey":
      if (node !== null && typeof node === "object" && !Array.isArray(node)) Object.defineProperty(node, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return copy;
  }
}

/** The same value with every object's keys in another order (arrays keep theirs). */
function reorder(value: unknown, order: readonly number[], counter = { i: 0 }): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, order, counter));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  // A seeded Fisher-Yates shuffle driven by the generated numbers.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = (order[counter.i++ % Math.max(order.length, 1)] ?? 0) % (i + 1);
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: reorder(v, order, counter), enumerable: true, writable: true, configurable: true });
  return out;
}

describe("fuzz: config loader", () => {
  test("the valid seeds are valid", () => {
    for (const raw of VALID) assert.equal(load(raw).ok, true, JSON.stringify(load(raw)));
  });

  test("arbitrary JSON never throws; problems are '<path>: <problem>; <fix>'", () => {
    fc.assert(
      fc.property(hostileJson, (raw) => assertShape(load(asParsed(raw)))),
      params(150, 0x0c0f1),
    );
  });

  test("mutated valid configs never throw; problems are '<path>: <problem>; <fix>'", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        let raw = seed;
        for (const m of ms) raw = mutate(raw, m);
        assertShape(load(raw));
      }),
      params(150, 0x0c0f2),
    );
  });

  test("a valid config keeps its policy hash under key reordering", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(fc.nat(), { minLength: 1, maxLength: 64 }), (raw, order) => {
        const a = load(raw);
        const b = load(reorder(raw, order));
        assert.ok(a.ok && b.ok);
        assert.equal(b.value.policyHash, a.value.policyHash);
      }),
      params(50, 0x0c0f3),
    );
  });

  // Hostile shapes found while fuzzing (each threw or was misread before the fix in src/config/load.ts).
  test("nesting beyond 32 levels is a problem, not a stack overflow", () => {
    const deep = JSON.parse(`{"rules":${"[".repeat(100_000)}${"]".repeat(100_000)}}`) as unknown;
    const r = load(deep);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems, [
      `rules${".0".repeat(32)}: is nested more than 32 levels deep; remove the nesting (see the config reference in README.md)`,
      "rules.0: expected object, received array; give a value of type object",
    ]);
  });

  test('a "__proto__" key is an unknown key, not a prototype that supplies settings', () => {
    const r = load(JSON.parse('{"__proto__": {"defaultAction": "block"}}'));
    assert.deepEqual(!r.ok && r.problems, ['(root): unknown key "__proto__"; remove it or fix its spelling (see the config reference in README.md)']);
  });

  test("approvals.supervisor.model and purpose.judge.model must name an own entry of models (not Object.prototype's constructor)", () => {
    const r = load({ approvals: { supervisor: { model: "constructor" } } });
    assert.deepEqual(!r.ok && r.problems, ['approvals.supervisor.model: names "constructor", which is not an entry of models; add models.constructor ({"provider": "openai", "baseUrl": …, "model": …})']);
    const j = load({ purpose: { judge: { model: "constructor" } } });
    assert.deepEqual(!j.ok && j.problems, ['purpose.judge.model: names "constructor", which is not an entry of models; add models.constructor ({"provider": "openai", "baseUrl": …, "model": …})']);
  });
});
