import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../plugin/bin/otheru-coordinator.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "oc-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], input = "", env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env: { ...process.env, HOME: join(dir, "home"), ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("otheru-coordinator evaluate", () => {
  const cfg = join(dir, "plugin.json");
  writeFileSync(cfg, JSON.stringify({ rules: [{ id: "no-exec-in-groups", match: { chatTypes: ["group"] }, deny: ["exec"] }] }));

  test("answers the contract line by line, garbage included, in order", () => {
    const lines = [
      JSON.stringify({ id: "c1", tool: "exec", params: { command: "rm -rf /" } }),
      "not json at all",
      JSON.stringify({ id: "c2", tool: "exec", params: { command: "ls" }, sessionKey: "agent:main:telegram:group:-1001" }),
      JSON.stringify({ id: "c3", params: {} }),
      "[1,2]",
      JSON.stringify({ id: "c4", tool: "exec", params: { command: "ls" }, goal: "list files", unknownField: 1 }),
    ];
    const r = run(["evaluate", "--config", cfg], `${lines.join("\n")}\n`);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(out.length, 6);
    const strip = out.map(({ latencyUs, reason, ...rest }) => {
      assert.equal(typeof latencyUs, "number");
      assert.equal(typeof reason, "string");
      return rest;
    });
    assert.deepEqual(strip, [
      { id: "c1", decision: "block", ruleIds: ["self.protect", "fs.destructive"] },
      { id: null, decision: "block", ruleIds: ["input.invalid"] },
      { id: "c2", decision: "block", ruleIds: ["no-exec-in-groups"] },
      { id: null, decision: "block", ruleIds: ["input.invalid"] },
      { id: null, decision: "block", ruleIds: ["input.invalid"] },
      { id: "c4", decision: "allow", ruleIds: ["highstakes.default"] },
    ]);
  });

  test("the default session is the main DM session", () => {
    const r = run(["evaluate", "--config", cfg], `${JSON.stringify({ id: "d", tool: "exec", params: { command: "ls" } })}\n`);
    assert.equal(JSON.parse(r.stdout).decision, "allow");
  });

  test("a bad config is exit 2 with every problem and its fix", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ defaultAction: "perhaps", rules: [{ id: "x" }] }));
    const r = run(["evaluate", "--config", bad], "");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /defaultAction: expected one of "allow"\|"escalate"\|"block"; use one of "allow", "escalate", "block"/);
    assert.match(r.stderr, /rules\.0: lists no tools; add at least one tool to allow, escalate or deny/);
    assert.equal(r.stdout, "");
  });

  test("usage errors are exit 2", () => {
    assert.equal(run(["evaluate", "--bogus"]).code, 2);
    assert.equal(run(["frobnicate"]).code, 2);
    assert.equal(run([]).code, 2);
  });
});

describe("otheru-coordinator config", () => {
  test("schema prints the manifest's configSchema", () => {
    const r = run(["config", "schema"]);
    assert.equal(r.code, 0);
    const manifest = JSON.parse(readFileSync(new URL("../../plugin/openclaw.plugin.json", import.meta.url), "utf8")) as { configSchema: unknown };
    assert.deepEqual(JSON.parse(r.stdout), manifest.configSchema);
  });

  test("validate: exit 0 with the policy hash, exit 2 with problems", () => {
    const good = join(dir, "openclaw.json");
    writeFileSync(good, JSON.stringify({ plugins: { entries: { "otheru-coordinator": { enabled: true, config: { defaultAction: "block" } } } } }));
    const ok = run(["config", "validate", good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /: valid; policy hash [0-9a-f]{64}\n$/);
    const bad = join(dir, "bad2.json");
    writeFileSync(bad, "{ not json");
    const r = run(["config", "validate", bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not valid JSON .*; fix the syntax/);
  });

  test("the example config validates", () => {
    const r = run(["config", "validate", fileURLToPath(new URL("../../openclaw.config.example.json", import.meta.url))], "", { OPENCLAW_GATEWAY_TOKEN: "t" });
    assert.equal(r.code, 0, r.stderr);
  });
});

describe("otheru-coordinator status", () => {
  test("reports the same policy hash as config validate", () => {
    const cfg = join(dir, "status.json");
    writeFileSync(cfg, JSON.stringify({ rules: [{ id: "r1", deny: ["exec"] }] }));
    const s = run(["status", "--config", cfg, "--json"]);
    assert.equal(s.code, 0, s.stderr);
    const status = JSON.parse(s.stdout) as { policyHash: string; rules: string[] };
    assert.deepEqual(status.rules, ["r1"]);
    const v = run(["config", "validate", cfg]);
    assert.ok(v.stdout.includes(`policy hash ${status.policyHash}`));
  });
});
