// Scoped credentials in the config: one test per invalid shape with the exact message, environment findings, rotation.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfig, parseConfig } from "../../src/config/load.ts";
import { OPENCLAW_BLOCKED_ENV_NAMES, OPENCLAW_BLOCKED_ENV_PREFIXES } from "../../src/credentials/openclaw-env-policy.ts";
import { rotationWarnings } from "../../src/credentials/rotation.ts";

function problems(credentials: unknown): string[] {
  const r = parseConfig({ credentials }, {});
  assert.equal(r.ok, false, "expected the config to be rejected");
  return r.ok ? [] : r.problems;
}

describe("credentials config: one test per invalid shape, exact message", () => {
  const cases: [string, unknown, string[]][] = [
    ["unknown field", [{ name: "DEPLOY_TOKEN", commands: ["deploy"], value: "x" }], ['credentials.0: unknown key "value"; remove it or fix its spelling (see the config reference in README.md)']],
    ["lower-case name", [{ name: "deploy_token", commands: ["deploy"] }], [
      "credentials.0.name: must be an environment variable name (upper-case letters, digits and '_', e.g. DEPLOY_TOKEN); correct the value's format",
    ]],
    ["path as a command", [{ name: "DEPLOY_TOKEN", commands: ["/usr/bin/deploy"] }], ["credentials.0.commands.0: must be a bare command name (gh, not /usr/bin/gh); correct the value's format"]],
    ["no scope at all", [{ name: "DEPLOY_TOKEN", description: "deploys" }], [
      "credentials.0: DEPLOY_TOKEN has no scope (no commands, tools or hosts); list the commands, tools or hosts that may use DEPLOY_TOKEN; a credential every call receives is not scoped",
    ]],
    ["a name OpenClaw never lets anyone set (GitHub)", [{ name: "GITHUB_TOKEN", commands: ["gh"] }], [
      "credentials.0.name: OpenClaw 2026.9.6 never lets a plugin or a tool call set GITHUB_TOKEN in an exec environment (its host env policy), so it cannot be injected; give gh its token through OpenClaw's managed GitHub identity (tools.github) instead",
    ]],
    ["a name OpenClaw never lets anyone set (prefix)", [{ name: "NPM_CONFIG__AUTH", commands: ["npm"] }], [
      "credentials.0.name: OpenClaw 2026.9.6 never lets a plugin or a tool call set NPM_CONFIG__AUTH in an exec environment (its host env policy), so it cannot be injected; use a name the command also reads, or OpenClaw's secret store with --allow-host (its secret egress proxy)",
    ]],
    ["scoped to a shell", [{ name: "DEPLOY_TOKEN", commands: ["deploy", "bash"] }], [
      "credentials.0.commands.1: bash runs whatever it is given, so a credential scoped to it is not scoped; name the program that needs DEPLOY_TOKEN (gh, git, psql), never a shell, interpreter or wrapper",
    ]],
    ["args without commands", [{ name: "DEPLOY_TOKEN", tools: ["exec"], args: "^push" }], ["credentials.0.args: needs commands; list the commands whose arguments args is tested against"]],
    ["invalid args expression", [{ name: "DEPLOY_TOKEN", commands: ["git"], args: "(" }], [
      "credentials.0.args: is not a valid regular expression (Invalid regular expression: /(/: Unterminated group); fix the expression (JavaScript RegExp syntax)",
    ]],
    ["tools that take no environment", [{ name: "DEPLOY_TOKEN", tools: ["web_fetch"] }], ["credentials.0.tools: names no tool that takes an environment (only exec does in OpenClaw 2026.9.6); add exec, or remove tools"]],
    ["host with a scheme", [{ name: "DEPLOY_TOKEN", hosts: ["https://api.example.com"] }], [
      "credentials.0.hosts.0: must be a lower-case host name (api.github.com) or *.example.com; correct the value's format",
    ]],
    ["rotatedAt not a date", [{ name: "DEPLOY_TOKEN", commands: ["deploy"], rotatedAt: "03/01/2026" }], ["credentials.0.rotatedAt: must be a date written YYYY-MM-DD; correct the value's format"]],
    ["rotatedAt not a calendar day", [{ name: "DEPLOY_TOKEN", commands: ["deploy"], rotatedAt: "2026-02-30" }], [
      "credentials.0.rotatedAt: 2026-02-30 is not a calendar date; write the day the credential was last rotated as YYYY-MM-DD",
    ]],
    ["maxAgeDays zero", [{ name: "DEPLOY_TOKEN", commands: ["deploy"], maxAgeDays: 0 }], ["credentials.0.maxAgeDays: expected number to be >=1; change the value to fit the limit"]],
    ["the same name twice", [{ name: "DEPLOY_TOKEN", commands: ["deploy"] }, { name: "DEPLOY_TOKEN", commands: ["kubectl"] }], [
      "credentials.1.name: DEPLOY_TOKEN is already configured at credentials.0; configure each credential once (one entry may list several commands)",
    ]],
  ];
  for (const [name, credentials, expected] of cases) test(name, () => assert.deepEqual(problems(credentials), expected));

  test("rotatedAt in the future", () => {
    const [p] = problems([{ name: "DEPLOY_TOKEN", commands: ["deploy"], rotatedAt: "2999-01-01" }]);
    assert.match(p ?? "", /^credentials\.0\.rotatedAt: 2999-01-01 is in the future \(today is \d{4}-\d{2}-\d{2}\); write the day the value was actually rotated$/);
  });

  test("a valid credential is accepted and its value kept out of the policy hash", () => {
    const raw = { credentials: [{ name: "DEPLOY_TOKEN", commands: ["deploy"], args: "^--env (staging|prod)$", rotatedAt: "2026-01-01", maxAgeDays: 90 }] };
    const a = parseConfig(raw, { DEPLOY_TOKEN: "TEST-value-a-not-real-000" });
    const b = parseConfig(raw, { DEPLOY_TOKEN: "TEST-value-b-not-real-000" });
    assert.ok(a.ok && b.ok);
    assert.equal(a.value.policyHash, b.value.policyHash);
    assert.equal(a.value.credentialValues.get("DEPLOY_TOKEN"), "TEST-value-a-not-real-000");
    assert.ok(a.value.secretValues.includes("TEST-value-a-not-real-000"));
  });
});

describe("credentials and the environment (loadConfig)", () => {
  const dir = mkdtempSync(join(tmpdir(), "otheru-creds-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = join(dir, "coordinator.env");
  writeFileSync(envFile, "DEPLOY_TOKEN=TEST-from-file-not-real-0001\n");
  chmodSync(envFile, 0o600);
  const raw = { envFile, credentials: [{ name: "DEPLOY_TOKEN", commands: ["deploy"] }, { name: "API_TOKEN", hosts: ["api.example.com"] }, { name: "CI_TOKEN", tools: ["exec"] }] };

  test("values: the envFile first, else the gateway's environment; warnings for missing, exported and tools-only", () => {
    const r = loadConfig(raw, { env: { DEPLOY_TOKEN: "TEST-from-env-not-real-0002", API_TOKEN: "TEST-api-env-not-real-0003" }, baseDir: dir });
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    assert.equal(r.value.credentialValues.get("DEPLOY_TOKEN"), "TEST-from-file-not-real-0001");
    assert.equal(r.value.credentialValues.get("API_TOKEN"), "TEST-api-env-not-real-0003");
    assert.equal(r.value.credentialValues.has("CI_TOKEN"), false);
    for (const v of ["TEST-from-file-not-real-0001", "TEST-from-env-not-real-0002", "TEST-api-env-not-real-0003"]) assert.ok(r.value.secretValues.includes(v), v);
    const exported = (i: number, name: string) =>
      `credentials.${i}.name: ${name} is also in the gateway's own environment (OpenClaw's .env or its service environment), so every process the gateway starts inherits it; the coordinator blanks it for exec calls outside its scope, but other children (sandboxes, node hosts, MCP servers) still get it; remove it there and keep it only in the coordinator's envFile (a file of its own, not OpenClaw's .env)`;
    assert.deepEqual(r.value.warnings, [
      exported(0, "DEPLOY_TOKEN"),
      exported(1, "API_TOKEN"),
      `credentials.2.name: CI_TOKEN is not set in ${envFile} nor in the gateway's environment, so calls in its scope run without it; add CI_TOKEN=… to ${envFile} (mode 600)`,
      "credentials.2: CI_TOKEN is scoped by tools only, so every exec receives it; add commands (and args) to narrow it",
    ]);
    assert.ok(!r.value.warnings.join("\n").includes("TEST-"), "a warning carries a value");
  });

  test("an envFile that is OpenClaw's own .env counts as exported", () => {
    const r = loadConfig({ envFile, credentials: [{ name: "DEPLOY_TOKEN", commands: ["deploy"] }] }, { env: {}, baseDir: dir, exportedEnvFiles: [envFile] });
    assert.ok(r.ok);
    assert.equal(r.value.warnings.length, 1);
    assert.ok(r.value.warnings[0]?.startsWith("credentials.0.name: DEPLOY_TOKEN is also in the gateway's own environment ("), r.value.warnings[0]);
  });
});

describe("rotation warnings (fixed clock)", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  test("overdue, undated, within age, and no maxAgeDays", () => {
    assert.deepEqual(
      rotationWarnings(
        [
          { name: "OLD_TOKEN", rotatedAt: "2026-01-01", maxAgeDays: 90 },
          { name: "UNDATED_TOKEN", maxAgeDays: 30 },
          { name: "FRESH_TOKEN", rotatedAt: "2026-06-01", maxAgeDays: 90 },
          { name: "FOREVER_TOKEN", rotatedAt: "2020-01-01" },
        ],
        now,
      ),
      [
        "credential OLD_TOKEN is overdue for rotation: last rotated 2026-01-01, 180 days ago (maxAgeDays 90); rotate it, put the new value in the envFile and set credentials.0.rotatedAt to that day",
        "credential UNDATED_TOKEN: maxAgeDays is 30 but rotatedAt is not set, so its age is unknown; rotate it and set credentials.1.rotatedAt to that day (YYYY-MM-DD)",
      ],
    );
  });
  test("exactly maxAgeDays old is not yet overdue", () => {
    assert.deepEqual(rotationWarnings([{ name: "EDGE_TOKEN", rotatedAt: "2026-04-01", maxAgeDays: 90 }], now), []);
  });
});

test("the copied OpenClaw env policy matches the installed openclaw package", () => {
  const distDir = join(import.meta.dirname, "..", "..", "node_modules", "openclaw", "dist");
  const file = readdirSync(distDir).find((f) => /^host-env-security-.*\.mjs$/.test(f));
  assert.ok(file, "host-env-security chunk not found in openclaw/dist");
  const text = readFileSync(join(distDir, file), "utf8");
  const start = text.indexOf("var host_env_security_policy_default = ");
  const end = text.indexOf("};", start);
  const policy = JSON.parse(text.slice(start + "var host_env_security_policy_default = ".length, end + 1).replace(/,(\s*[\]}])/g, "$1").replace(/([{,]\s*)([A-Za-z]+):/g, '$1"$2":')) as Record<string, string[]>;
  const names = new Set([...(policy.blockedEverywhereKeys ?? []), ...(policy.blockedOverrideOnlyKeys ?? []), "PATH", "OPENCLAW_CLI"]);
  assert.deepEqual([...OPENCLAW_BLOCKED_ENV_NAMES].sort(), [...names].sort());
  assert.deepEqual([...OPENCLAW_BLOCKED_ENV_PREFIXES].sort(), [...(policy.blockedPrefixes ?? []), ...(policy.blockedOverridePrefixes ?? [])].sort());
});
