import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

describe("otheru-coordinator audit and evaluate --audit-dir", () => {
  test("evaluate --audit-dir records exactly what the hook records", async () => {
    const { registerCoordinator } = await import("../../src/adapters/openclaw/register.ts");
    const cfg = join(dir, "audited.json");
    writeFileSync(cfg, JSON.stringify({ rules: [{ id: "no-exec-in-groups", match: { chatTypes: ["group"] }, deny: ["exec"] }] }));
    const cases = [
      { id: "a", tool: "exec", params: { command: "rm -rf ~" }, sessionKey: "agent:main:main" },
      { id: "b", tool: "exec", params: { command: "ls" }, sessionKey: "agent:main:telegram:group:-1" },
      { id: "c", tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main" },
    ];
    const cliDir = join(dir, "audit-cli");
    // Both run with the same OpenClaw state dir and home, so they protect the same paths.
    const state = join(dir, "hook-state");
    const r = run(["evaluate", "--config", cfg, "--audit-dir", cliDir], `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`, { OPENCLAW_STATE_DIR: state });
    assert.equal(r.code, 0, r.stderr);
    // The hook, through register(), with the same config; it records to <state>/otheru-coordinator/audit.
    const saved = { s: process.env.OPENCLAW_STATE_DIR, h: process.env.HOME };
    process.env.OPENCLAW_STATE_DIR = state;
    process.env.HOME = join(dir, "home");
    const hooks = new Map<string, (e: unknown, c: unknown) => unknown>();
    registerCoordinator({
      pluginConfig: JSON.parse(readFileSync(cfg, "utf8")) as Record<string, unknown>,
      config: {},
      registrationMode: "full",
      logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
      on: (name: string, h: (e: unknown, c: unknown) => unknown) => hooks.set(name, h),
      registerService: () => {},
    } as unknown as Parameters<typeof registerCoordinator>[0]);
    for (const c of cases) await hooks.get("before_tool_call")?.({ toolName: c.tool, params: c.params }, { sessionKey: c.sessionKey });
    process.env.OPENCLAW_STATE_DIR = saved.s;
    process.env.HOME = saved.h;
    await new Promise((res) => setTimeout(res, 100));
    const read = (d: string) =>
      readdirSync(d)
        .filter((f) => f.endsWith(".jsonl"))
        .flatMap((f) => readFileSync(join(d, f), "utf8").trim().split("\n"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((x) => x.kind === "call.before")
        .map(({ tool, args, decision, ruleIds, reason, sessionKey, chatType }) => ({ tool, args, decision, ruleIds, reason, sessionKey, chatType }));
    const fromCli = read(cliDir);
    assert.equal(fromCli.length, 3);
    assert.deepEqual(fromCli, read(join(state, "otheru-coordinator", "audit")));
    const v = run(["audit", "verify", cliDir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok: 4 records in 1 files/);
  });

  test("audit show and tail filter and print one line per record", () => {
    const d = join(dir, "audit-cli");
    const shown = run(["audit", "show", d, "--kind", "call.before", "--decision", "block"]);
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z #2 call\.before exec block \[fs\.destructive\] session=agent:main:main args=\{"command":"rm -rf ~"\}$/);
    const tail = run(["audit", "tail", d, "-n", "1", "--json"]);
    assert.equal(JSON.parse(tail.stdout).seq, 4);
    assert.equal(run(["audit", "show", d, "--session", "agent:main:telegram:group:-1"]).stdout.trim().split("\n").length, 1);
    assert.equal(run(["audit", "show", d, "--date", "yesterday"]).code, 2);
  });

  test("audit verify exits 1 naming the first break; usage errors exit 2", () => {
    const d = join(dir, "audit-cli");
    const f = readdirSync(d).find((x) => x.endsWith(".jsonl")) as string;
    const text = readFileSync(join(d, f), "utf8");
    writeFileSync(join(d, f), text.replace('"decision":"allow"', '"decision":"block"'));
    const v = run(["audit", "verify", d]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /^BROKEN: \d{4}-\d{2}-\d{2}\.jsonl line \d+ \(seq \d+\): edited: the record's content does not match its hash\n$/);
    assert.equal(run(["audit", "verify"]).code, 2);
    assert.equal(run(["audit", "verify", join(dir, "nope")]).code, 2);
  });

  test("audit keygen", () => {
    const k = run(["audit", "keygen", join(dir, "cp.pem")]);
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout, /key id {6}[0-9a-f]{16}/);
    assert.equal(run(["audit", "keygen", join(dir, "cp.pem")]).code, 2);
  });
});
