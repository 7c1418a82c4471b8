// otheru-coordinator stop / resume / status / health / evaluate on one state store (embedded SQLite).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../plugin/bin/otheru-coordinator.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "oc-cli-op-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, "plugin.json");
writeFileSync(cfg, JSON.stringify({}));
const state = join(dir, "state");

function run(args: string[], input = "") {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env: { ...process.env, HOME: join(dir, "home") }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CALL = `${JSON.stringify({ id: "c1", tool: "read", params: { path: "README.md" } })}\n`;

test("evaluate before any stop creates no state and allows", () => {
  const r = run(["evaluate", "--config", cfg, "--state-dir", state], CALL);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).decision, "allow");
  assert.equal(existsSync(join(state, "state.sqlite")), false);
});

test("stop -> status shows it, evaluate blocks with killswitch.engaged; resume -> allowed again", () => {
  const stop = run(["stop", "--config", cfg, "--state-dir", state, "--reason", "incident 7"]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^Emergency stop ENGAGED at .*Run otheru-coordinator resume to lift it\.\nstore: sqlite .*state\.sqlite\n$/s);

  const status = run(["status", "--config", cfg, "--state-dir", state]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^emergency stop {3}ENGAGED since \S+ by cli:\S+ \(incident 7\): every tool call is blocked\n/);
  const json = JSON.parse(run(["status", "--config", cfg, "--state-dir", state, "--json"]).stdout) as { emergencyStop: { engaged: boolean; via: string } };
  assert.equal(json.emergencyStop.engaged, true);
  assert.equal(json.emergencyStop.via, "cli");

  const blocked = JSON.parse(run(["evaluate", "--config", cfg, "--state-dir", state], CALL).stdout) as { decision: string; ruleIds: string[] };
  assert.deepEqual([blocked.decision, blocked.ruleIds], ["block", ["killswitch.engaged"]]);

  const resume = run(["resume", "--config", cfg, "--state-dir", state]);
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout, /^Emergency stop lifted at /);
  assert.equal(JSON.parse(run(["evaluate", "--config", cfg, "--state-dir", state], CALL).stdout).decision, "allow");
});

test("health: JSON report, exit 0 with a writable state dir", () => {
  const r = run(["health", "--config", cfg, "--state-dir", state, "--json"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const h = JSON.parse(r.stdout) as { ok: boolean; dependencies: { name: string; ok: boolean }[] };
  assert.deepEqual(h.dependencies.map((d) => [d.name, d.ok]), [["state-store", true], ["kill-switch", true], ["audit-log", true]]);
});

test("a store that cannot be opened: stop fails (exit 1, says what to do), status and health exit 1", () => {
  const broken = join(dir, "broken");
  writeFileSync(broken, "a file where the state dir should be");
  const stop = run(["stop", "--config", cfg, "--state-dir", broken]);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, /the stop was NOT applied: .*\nWhile the store is unreachable the gateways block every tool call anyway; to be sure, run: docker stop otheru-coordinator\n/s);
  const status = run(["status", "--config", cfg, "--state-dir", broken]);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /^emergency stop {3}UNKNOWN: the state store cannot be read/);
  assert.equal(run(["health", "--config", cfg, "--state-dir", broken]).code, 1);
});

test("usage errors exit 2", () => {
  assert.equal(run(["stop", "--config", cfg, "--bogus"]).code, 2);
  assert.equal(run(["resume", "--config", cfg, "--reason", "x"]).code, 2);
});

test("status and health: a credential past its maxAgeDays is a warning with the fix; health stays exit 0", () => {
  const credCfg = join(dir, "creds.json");
  writeFileSync(credCfg, JSON.stringify({ credentials: [{ name: "DEPLOY_TOKEN", commands: ["deploy"], rotatedAt: "2020-01-01", maxAgeDays: 30 }] }));
  const status = run(["status", "--config", credCfg, "--state-dir", state]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /\ncredentials {6}DEPLOY_TOKEN\n/);
  assert.match(status.stdout, /\nwarning {10}credential DEPLOY_TOKEN is overdue for rotation: last rotated 2020-01-01, \d+ days ago \(maxAgeDays 30\); rotate it, put the new value in the envFile and set credentials\.0\.rotatedAt to that day\n/);
  const health = run(["health", "--config", credCfg, "--state-dir", state]);
  assert.equal(health.code, 0, health.stdout + health.stderr);
  assert.match(health.stdout, /\nWARN credential-rotation \(optional\): 1 credential overdue or undated \(see warnings\)\nwarning: credential DEPLOY_TOKEN is overdue/);
});
