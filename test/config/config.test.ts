import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { manifestText } from "../../src/config/manifest.ts";
import { loadConfig, parseConfig, readConfigFile } from "../../src/config/load.ts";

const env = {};

function problems(raw: unknown, e: Record<string, string> = env): string[] {
  const r = parseConfig(raw, e);
  assert.equal(r.ok, false, "expected the config to be rejected");
  return r.ok ? [] : r.problems;
}

describe("config validation: one test per invalid shape, exact message", () => {
  const cases: [string, unknown, string[]][] = [
    ["unknown top-level key", { highStakeTools: ["exec"] }, ['(root): unknown key "highStakeTools"; remove it or fix its spelling (see the config reference in README.md)']],
    ["wrong type", { criticalChannels: "telegram" }, ["criticalChannels: expected array, received string; give a value of type array"]],
    ["bad enum", { defaultAction: "maybe" }, ['defaultAction: expected one of "allow"|"escalate"|"block"; use one of "allow", "escalate", "block"']],
    ["unknown tool group", { highStakesTools: ["group:nope"] }, ["highStakesTools.0: is not a known OpenClaw tool group; correct the value (see the config reference in README.md)"]],
    ["rule with bad id and no tools", { rules: [{ id: "No Spaces" }] }, [
      "rules.0.id: must be lower-case letters, digits, '.', '_' or '-' (1-64 chars); correct the value's format",
      "rules.0: lists no tools; add at least one tool to allow, escalate or deny; correct the value (see the config reference in README.md)",
    ]],
    ["sender given as a username", { rules: [{ id: "r", match: { senders: ["@alice"] }, deny: ["exec"] }] }, [
      "rules.0.match.senders.0: must be a numeric user id or snowflake, optionally channel-prefixed (telegram:42); never a username; correct the value's format",
    ]],
    ["unknown key inside a rule match", { rules: [{ id: "r", match: { chat: ["group"] }, deny: ["exec"] }] }, ['rules.0.match: unknown key "chat"; remove it or fix its spelling (see the config reference in README.md)']],
    ["duplicate ids", { rules: [{ id: "a", deny: ["exec"] }, { id: "a", allow: ["read"] }] }, ['rules.1.id: id "a" is already used at rules.0.id; give every rule and pattern its own id']],
    ["invalid regular expression", { suspiciousPatterns: [{ id: "p", pattern: "(", reason: "x" }] }, [
      "suspiciousPatterns.0.pattern: is not a valid regular expression (Invalid regular expression: /(/iu: Unterminated group); fix the expression (JavaScript RegExp syntax)",
    ]],
    ["approval timeout too large", { approvals: { timeoutMs: 900000 } }, ["approvals.timeoutMs: expected number to be <=600000; change the value to fit the limit"]],
    ["literal bot token", { selfProtect: { paths: ["123456789:AAE_fake_token_value_abcdefghijklmnopqrstu"] } }, [
      "selfProtect.paths.0: contains what looks like a literal secret (Telegram bot token); move the secret into .env (mode 600) and reference the environment variable by name; never put credentials in openclaw.json",
    ]],
    ["unset placeholder", { stateDir: "${COORD_STATE}" }, ["stateDir: references ${COORD_STATE}, which is not set; set COORD_STATE in the environment or in the .env file"]],
    ["not an object", ["exec"], ["(root): must be a JSON object; write the plugin config as an object"]],
  ];
  for (const [name, raw, expected] of cases) {
    test(name, () => assert.deepEqual(problems(raw), expected));
  }

  test("every problem is listed at once", () => {
    const p = problems({ defaultAction: "x", criticalChannels: 1, nope: true });
    assert.equal(p.length, 3);
  });
});

describe("config loading", () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("defaults are safe and the hash is stable for equal configs", () => {
    const a = parseConfig({}, env);
    const b = parseConfig({ defaultAction: "allow", rules: [] }, env);
    assert.ok(a.ok && b.ok);
    if (!a.ok || !b.ok) return;
    assert.equal(a.value.policyHash, b.value.policyHash);
    assert.match(a.value.policyHash, /^[0-9a-f]{64}$/);
    assert.equal(a.value.config.approvals.timeoutMs, 120000);
    assert.ok(a.value.config.highStakesTools.includes("exec"));
    const c = parseConfig({ defaultAction: "block" }, env);
    assert.ok(c.ok);
    if (c.ok) assert.notEqual(c.value.policyHash, a.value.policyHash);
  });

  test("${VAR} resolves from a .env file and a world-readable .env is reported", () => {
    const envFile = join(dir, ".env");
    writeFileSync(envFile, "COORD_STATE=/var/lib/coord\n");
    chmodSync(envFile, 0o644);
    const r = loadConfig({ stateDir: "${COORD_STATE}" }, { env: {}, baseDir: dir, defaultEnvFile: envFile });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value.config.stateDir, "/var/lib/coord");
    assert.deepEqual(r.value.warnings, [`${envFile} is readable by group or others; run chmod 600 ${envFile}`]);
  });

  test("the process environment wins over .env", () => {
    const envFile = join(dir, ".env2");
    writeFileSync(envFile, "COORD_STATE=/from-file\n", { mode: 0o600 });
    const r = loadConfig({ stateDir: "${COORD_STATE}", envFile }, { env: { COORD_STATE: "/from-env" }, baseDir: dir });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.value.config.stateDir, "/from-env");
  });

  test("--config accepts a whole openclaw.json or the plugin object alone", () => {
    const whole = join(dir, "openclaw.json");
    writeFileSync(whole, JSON.stringify({ gateway: {}, plugins: { entries: { "otheru-coordinator": { config: { defaultAction: "block" } } } } }));
    const alone = join(dir, "plugin.json");
    writeFileSync(alone, JSON.stringify({ defaultAction: "block" }));
    const a = readConfigFile(whole);
    const b = readConfigFile(alone);
    assert.ok(a.ok && b.ok);
    if (a.ok && b.ok) assert.deepEqual(a.value.pluginConfig, b.value.pluginConfig);
    const missing = join(dir, "other.json");
    writeFileSync(missing, JSON.stringify({ plugins: { entries: {} } }));
    assert.deepEqual(readConfigFile(missing), {
      ok: false,
      problems: [`plugins.entries.otheru-coordinator: missing in ${missing}; add the plugin entry (see openclaw.config.example.json)`],
    });
  });
});

test("the committed plugin manifest matches the schema (regenerate with npm run manifest)", () => {
  const committed = readFileSync(new URL("../../plugin/openclaw.plugin.json", import.meta.url), "utf8");
  assert.equal(committed, manifestText());
});
