// The shipped manifests pass every checklist item once setup.sh has run; each fixture fails exactly its one item.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runChecks } from "../../src/hardening/check.ts";
import { checkJson, type Deployed, deploy, FAKE, runCheck, statusMap } from "./deploy.ts";

const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
});

function deployed(fixture?: string, options?: { setup?: boolean }): Deployed {
  const d = deploy(fixture, options);
  cleanups.push(d.cleanup);
  return d;
}

const ALL_PASS = {
  "ports.loopback": "pass",
  "config.perms": "pass",
  "secrets.env-only": "pass",
  "hooks.default-session-key": "pass",
  "proxy.https": "pass",
  "monitoring.endpoints": "pass",
  "plugin.enabled": "pass",
  "plugin.hook-budget": "pass",
  "admin.tokens-distinct": "pass",
  "audit.signing-key": "pass",
  "state.perms": "pass",
  "gateway.bind": "pass",
  "config.readonly": "pass",
  "networks.isolated": "pass",
};

describe("the shipped manifests/", () => {
  test("pass every item after setup.sh (the real command, exit 0)", () => {
    const { dir } = deployed();
    const r = checkJson(["--deployment", dir]);
    assert.equal(r.code, 0, JSON.stringify(r.report.results.filter((x) => x.status !== "pass"), null, 2));
    assert.equal(r.report.ok, true);
    assert.deepEqual(statusMap(r.report.results), ALL_PASS);
    for (const x of r.report.results) assert.deepEqual(Object.keys(x).sort(), ["detail", "fix", "id", "status"]);
  });

  test("fail before setup, and check names the commands that fix it", () => {
    const { dir } = deployed(undefined, { setup: false });
    const r = checkJson(["--deployment", dir]);
    assert.equal(r.code, 1);
    assert.deepEqual(statusMap(r.report.results), {
      ...ALL_PASS,
      "config.perms": "fail",
      "proxy.https": "fail",
      "audit.signing-key": "fail",
      "state.perms": "fail",
    });
    const byId = new Map(r.report.results.map((x) => [x.id, x]));
    assert.equal(byId.get("config.perms")?.fix, "run: chmod 600 openclaw.json");
    assert.equal(byId.get("config.perms")?.file, "openclaw.json");
    // No .env yet: PUBLIC_DOMAIN is unset, so the Caddy site has no address.
    assert.equal(byId.get("proxy.https")?.detail, "Caddyfile:10: a site has no address (an unset {$VAR}?)");
    assert.equal(byId.get("audit.signing-key")?.fix, "create it: otheru-coordinator audit keygen secrets/audit-signing.key (or the deployment's setup step)");
    assert.equal(byId.get("state.perms")?.fix, "run the deployment's setup step, or: mkdir -p data/openclaw data/coordinator && chmod 700 data/openclaw data/coordinator");
  });
});

/** Each fixture (test/fixtures/deployments/<name>) and the one item it fails, with where check points. */
const CASES: { fixture: string; expect: Record<string, string>; file?: string; line?: number; detail?: RegExp }[] = [
  { fixture: "ports-ipv4-wildcard", expect: { ...ALL_PASS, "ports.loopback": "fail" }, file: "docker-compose.override.yml", line: 4, detail: /service uptime-kuma publishes 3002->3001\/tcp on 0\.0\.0\.0 \(every IPv4 interface\)/ },
  { fixture: "ports-no-host-ip", expect: { ...ALL_PASS, "ports.loopback": "fail" }, file: "docker-compose.override.yml", line: 4, detail: /service web publishes 8080->80\/tcp on every interface \(no host address\)/ },
  { fixture: "ports-ipv6-wildcard", expect: { ...ALL_PASS, "ports.loopback": "fail" }, file: "docker-compose.override.yml", line: 4, detail: /publishes 3002->3001\/tcp on \[::\] \(every interface, IPv6 wildcard\)/ },
  { fixture: "config-mode-644", expect: { ...ALL_PASS, "config.perms": "fail" }, file: "openclaw.json", detail: /OpenClaw config has mode 644/ },
  { fixture: "secret-in-ts", expect: { ...ALL_PASS, "secrets.env-only": "fail" }, file: "src/notify.ts", line: 2, detail: /^src\/notify\.ts:2: Telegram bot token \[masked, 45 chars\]$/ },
  { fixture: "secret-in-openclaw-json", expect: { ...ALL_PASS, "secrets.env-only": "fail" }, file: "openclaw.json", line: 29, detail: /^openclaw\.json:29: Telegram bot token \[masked, 45 chars\]$/ },
  { fixture: "secret-in-env-example", expect: { ...ALL_PASS, "secrets.env-only": "fail" }, file: ".env.example", line: 15, detail: /^\.env\.example:15: Telegram bot token \[masked, 45 chars\]$/ },
  { fixture: "missing-default-session-key", expect: { ...ALL_PASS, "hooks.default-session-key": "fail" }, file: "openclaw.json", line: 16 },
  { fixture: "http-only-site", expect: { ...ALL_PASS, "proxy.https": "fail" }, file: "Caddyfile", line: 5, detail: /serves plain HTTP instead of redirecting to HTTPS/ },
  { fixture: "unmonitored-endpoint", expect: { ...ALL_PASS, "monitoring.endpoints": "fail" }, file: "Caddyfile", line: 10, detail: /public endpoint https:\/\/coordinator\.example\.com has no monitor/ },
  { fixture: "plugin-disabled", expect: { ...ALL_PASS, "plugin.enabled": "fail" }, file: "openclaw.json", detail: /enabled is false/ },
  { fixture: "hook-budget-short", expect: { ...ALL_PASS, "plugin.hook-budget": "fail" }, file: "openclaw.json", detail: /budget 30000 ms is shorter than approvals\.timeoutMs 120000 ms \+ 5000 ms/ },
  { fixture: "admin-token-reused", expect: { ...ALL_PASS, "admin.tokens-distinct": "fail" }, file: "openclaw.json", detail: /admin\.telegram\.token is the same token as channels\.telegram\.botToken/ },
  { fixture: "signing-key-mode-644", expect: { ...ALL_PASS, "audit.signing-key": "fail" }, file: "secrets/audit-signing.key", detail: /mode 644/ },
  { fixture: "signing-key-in-workspace", expect: { ...ALL_PASS, "audit.signing-key": "fail" }, file: "openclaw.json", detail: /inside the agent workspace \/home\/node\/\.openclaw\/workspace/ },
  { fixture: "state-dir-world-readable", expect: { ...ALL_PASS, "state.perms": "fail" }, file: "data/coordinator", detail: /coordinator state dir has mode 755/ },
  { fixture: "gateway-auth-none", expect: { ...ALL_PASS, "gateway.bind": "fail" }, file: "openclaw.json", detail: /gateway\.auth\.mode is "none"/ },
  { fixture: "config-writable-mount", expect: { ...ALL_PASS, "config.readonly": "fail" }, file: "docker-compose.yml", line: 45, detail: /mounts openclaw\.json at \/etc\/openclaw\/openclaw\.json writable/ },
  { fixture: "redis-with-egress", expect: { ...ALL_PASS, "networks.isolated": "warn" }, file: "docker-compose.yml", line: 95, detail: /service redis \(redis:7\.4-alpine\) needs no egress but is on egress, which is not internal: true/ },
];

describe("fixtures: each fails (or warns on) exactly its item", () => {
  for (const c of CASES) {
    test(c.fixture, () => {
      const { dir } = deployed(c.fixture);
      const report = runChecks({ deployment: dir, env: {} });
      assert.deepEqual(statusMap(report.results), c.expect);
      assert.equal(report.ok, !Object.values(c.expect).includes("fail"));
      const failed = report.results.find((r) => r.status !== "pass");
      assert.ok(failed);
      assert.notEqual(failed.fix, "");
      if (c.file !== undefined) assert.equal(failed.file, c.file, failed.detail);
      if (c.line !== undefined) assert.equal(failed.line, c.line, failed.detail);
      if (c.detail !== undefined) assert.match(failed.detail, c.detail);
      assert.ok(!JSON.stringify(report).includes(FAKE.telegram), "a report shows the secret");
    });
  }

  test("human output: one line per item, the fix under each failure, the secret masked; exit 1", () => {
    const { dir } = deployed("secret-in-ts");
    const r = runCheck(["--deployment", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!r.stdout.includes(FAKE.telegram));
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], `PASS  ports.loopback             2 published ports in docker-compose.yml on loopback; public only the reverse proxy's 80->80/tcp, 443->443/tcp, 443->443/udp (service caddy, see proxy.https)`);
    assert.equal(lines[2], "FAIL  secrets.env-only           src/notify.ts:2: Telegram bot token [masked, 45 chars]");
    assert.match(lines[3] ?? "", /^ {6}fix: move each secret into \.env \(mode 600\) and reference it as \$\{VAR\}/);
    assert.equal(lines.filter((l) => /^(PASS|FAIL|WARN|SKIP) {2}/.test(l)).length, 14);
    assert.equal(lines.at(-2), "FAILED: 13 pass, 1 fail, 0 warn, 0 skip");
  });
});

describe("a gateway on the host (no compose)", () => {
  test("paths are host paths; bind lan outside a container fails gateway.bind; compose-only items skip", () => {
    const root = mkdtempSync(join(tmpdir(), "oc-host-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const oc = join(root, "oc");
    mkdirSync(join(oc, "otheru-coordinator", "audit"), { recursive: true, mode: 0o700 });
    chmodSync(oc, 0o700);
    mkdirSync(join(root, "keys"), { mode: 0o700 });
    writeFileSync(join(root, "keys", "audit.key"), "not read by check\n", { mode: 0o600 });
    const config = {
      gateway: { mode: "local", bind: "lan", auth: { mode: "token", token: "${OPENCLAW_GATEWAY_TOKEN}" } },
      hooks: { defaultSessionKey: "hook:ingress" },
      plugins: { entries: { "otheru-coordinator": { enabled: true, hooks: { timeouts: { before_tool_call: 60000 } }, config: { approvals: { timeoutMs: 30000 }, audit: { signingKey: join(root, "keys", "audit.key") } } } } },
    };
    writeFileSync(join(oc, "openclaw.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
    writeFileSync(join(oc, ".env"), "OPENCLAW_GATEWAY_TOKEN=host-mode-test-value-6f1c2a\n", { mode: 0o600 });
    const report = runChecks({ deployment: oc, env: { HOME: root, OPENCLAW_STATE_DIR: oc } });
    assert.deepEqual(statusMap(report.results), {
      ...ALL_PASS,
      "ports.loopback": "skip",
      "admin.tokens-distinct": "skip",
      "gateway.bind": "fail",
      "config.readonly": "skip",
      "networks.isolated": "skip",
    });
    const bind = report.results.find((r) => r.id === "gateway.bind");
    assert.equal(bind?.detail, 'openclaw.json:4: gateway.bind is "lan": the gateway listens beyond loopback on this host');
  });
});
