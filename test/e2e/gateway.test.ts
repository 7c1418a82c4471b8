// E2E: the real OpenClaw 2026.9.6 loads ./plugin and gates exec in embedded (agent --local) and gateway (chat.send) turns.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startMockModel, toolResultsSeen } from "../fakes/mock-model.ts";
import type { MockModel, MockScript } from "../fakes/mock-model.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { agentReplyText, createOpenClawHome } from "./harness.ts";
import type { OpenClawHome } from "./harness.ts";

const PLUGIN_DIR = fileURLToPath(new URL("../../plugin", import.meta.url));
const PLUGIN_CONFIG = {
  rules: [{ id: "no-exec-in-groups", match: { chatTypes: ["group"] }, deny: ["exec"] }],
};
const DM_SESSION = "agent:main:telegram:direct:42";
const MAIN_SESSION = "agent:main:main";
const GROUP_SESSION = "agent:main:telegram:group:-100123";
const BLOCK_PREFIX = "otheru-coordinator:";
// The plugin names its destructive-delete rule fs.destructive (src/policy/rules/filesystem.ts).
const DESTRUCTIVE_RULE_IN_BRACKETS = "[fs.destructive]";
const GROUP_RULE_IN_BRACKETS = "[no-exec-in-groups]";
const TURN_TIMEOUT_MS = 360_000;

let targets = "";
let workspace = "";
let mock: MockModel | undefined;
let oc: OpenClawHome | undefined;

function home(): OpenClawHome {
  assert.ok(oc, "harness not built (see the before hook's error)");
  return oc;
}

function model(): MockModel {
  assert.ok(mock, "mock model not started");
  return mock;
}

/** Tool results the model was sent from request index `from` on (the turn under test). */
function toolResultsSince(from: number): string[] {
  return toolResultsSeen(model().requests.slice(from));
}

before(
  async () => {
    targets = await mkdtemp(join(tmpdir(), "otheru-e2e-targets-"));
    // The victim is the agent's workspace root: deleting it is destructive wherever it lives (even under /tmp,
    // which the plugin otherwise treats as scratch space).
    workspace = join(targets, "workspace");
    await mkdir(workspace);
    await writeFile(join(workspace, "keep.txt"), "precious\n");
    const script: MockScript = {
      destroy: { tool: "exec", args: { command: `rm -rf ${workspace}` } },
      "echo-gw-main": { tool: "exec", args: { command: `echo hi > ${join(targets, "gw-main.txt")}` } },
      "echo-gw-group": { tool: "exec", args: { command: `echo hi > ${join(targets, "gw-group.txt")}` } },
    };
    mock = await startMockModel({ script });
    oc = await createOpenClawHome({ pluginDir: PLUGIN_DIR, pluginConfig: PLUGIN_CONFIG, mockModelUrl: mock.url, workspaceDir: workspace });
  },
  { timeout: 180_000 },
);

after(
  async () => {
    await oc?.close();
    await mock?.close();
    if (targets !== "") await rm(targets, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

// OpenClaw refuses `agent --local` while a gateway owns the state dir: these run before the gateway suite.
describe("embedded turns (agent --local)", () => {
  test("rm -rf of the workspace is blocked in a DM; it survives and the model gets the reason", { timeout: TURN_TIMEOUT_MS }, async () => {
    const from = model().requests.length;
    const result = await home().agentLocal({ sessionKey: DM_SESSION, message: "please clean up SCENARIO:destroy" });
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    const toolResults = toolResultsSince(from);
    assert.equal(existsSync(join(workspace, "keep.txt")), true, `workspace deleted; tool results: ${JSON.stringify(toolResults)}`);
    assert.equal(readFileSync(join(workspace, "keep.txt"), "utf8"), "precious\n");

    assert.equal(toolResults.length, 1, JSON.stringify(toolResults));
    const reason = toolResults[0] ?? "";
    assert.ok(reason.startsWith(BLOCK_PREFIX), reason);
    assert.ok(reason.includes(DESTRUCTIVE_RULE_IN_BRACKETS), reason);

    const reply = agentReplyText(result.stdout);
    assert.ok(reply.startsWith(`MOCK-FINAL: tool result was: ${BLOCK_PREFIX}`), reply);
    assert.ok(reply.includes(DESTRUCTIVE_RULE_IN_BRACKETS), reply);
  });
  // The group rule is exercised through chat.send below: each agent --local turn costs a fresh process (1-2 min here).
});

// One shared gateway; chat.send turns are webchat turns whose chat type comes from the session key.
describe("gateway turns (chat.send)", () => {
  before(
    async () => {
      await home().startGateway();
    },
    { timeout: 300_000 },
  );

  test("a harmless exec runs in the main (DM) session", { timeout: TURN_TIMEOUT_MS }, async () => {
    const from = model().requests.length;
    const turn = await home().chatSend({ sessionKey: MAIN_SESSION, message: "SCENARIO:echo-gw-main" });
    assert.equal(turn.status, "ok", JSON.stringify(turn.waitResult));
    assert.equal(readFileSync(join(targets, "gw-main.txt"), "utf8"), "hi\n");
    const toolResults = toolResultsSince(from);
    assert.equal(toolResults.length, 1, JSON.stringify(toolResults));
    assert.ok(!(toolResults[0] ?? "").includes(BLOCK_PREFIX), toolResults[0]);
    assert.ok(turn.replyText.startsWith("MOCK-FINAL: tool result was:"), turn.replyText);
  });

  test("the same exec in a group session is blocked by no-exec-in-groups", { timeout: TURN_TIMEOUT_MS }, async () => {
    const from = model().requests.length;
    const turn = await home().chatSend({ sessionKey: GROUP_SESSION, message: "SCENARIO:echo-gw-group" });
    assert.equal(turn.status, "ok", JSON.stringify(turn.waitResult));
    assert.equal(existsSync(join(targets, "gw-group.txt")), false);
    const toolResults = toolResultsSince(from);
    assert.equal(toolResults.length, 1, JSON.stringify(toolResults));
    const reason = toolResults[0] ?? "";
    assert.ok(reason.startsWith(BLOCK_PREFIX), reason);
    assert.ok(reason.includes(GROUP_RULE_IN_BRACKETS), reason);
    assert.ok(turn.replyText.startsWith(`MOCK-FINAL: tool result was: ${BLOCK_PREFIX}`), turn.replyText);
  });
});

// Every call above went through the audit trail: before-records with decisions, after-records with outcomes.
test("the audit trail of all these turns verifies and pairs each call with its outcome", { timeout: 60_000 }, async () => {
  await home().stopGateway();
  const dir = join(home().stateDir, "otheru-coordinator", "audit");
  const result = await verifyAuditDir(dir);
  assert.ok(result.ok, JSON.stringify(result.break));
  const records = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").trim().split("\n"))
    .map((l) => JSON.parse(l) as { kind: string; tool?: string; decision?: string; ruleIds?: string[]; toolCallId?: string | null; outcome?: string });
  const before = records.filter((r) => r.kind === "call.before" && r.tool === "exec");
  assert.ok(before.some((r) => r.decision === "block" && r.ruleIds?.includes("fs.destructive")), "the destructive exec is recorded as blocked");
  assert.ok(before.some((r) => r.decision === "block" && r.ruleIds?.includes("no-exec-in-groups")), "the group exec is recorded as blocked");
  assert.ok(before.filter((r) => r.decision === "allow").length >= 1, "the allowed exec is recorded");
  const afterRecords = records.filter((r) => r.kind === "call.after" && r.tool === "exec");
  assert.ok(afterRecords.some((r) => r.outcome === "ran") && afterRecords.some((r) => r.outcome === "blocked"), JSON.stringify(afterRecords.map((r) => r.outcome)));
  assert.ok(records.some((r) => r.kind === "config.load"));
  // …and each decision is noted in the workspace's daily memory file.
  const notesDir = join(workspace, "memory");
  const notes = readdirSync(notesDir).filter((f) => f.endsWith(".md")).map((f) => readFileSync(join(notesDir, f), "utf8")).join("");
  assert.match(notes, /## Coordinator decisions/);
  assert.match(notes, /exec .* — block \[fs\.destructive\], blocked/);
  assert.match(notes, /exec .* — block \[no-exec-in-groups\], blocked/);
  assert.match(notes, /exec .* — allow \[highstakes\.default\], ran/);
});
