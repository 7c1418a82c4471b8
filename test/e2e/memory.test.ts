// E2E: the real OpenClaw 2026.9.6 gateway keeps private memory out of a group turn and serves it in the owner's main session.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startMockModel, toolResultsSeen } from "../fakes/mock-model.ts";
import type { MockModel, MockScript } from "../fakes/mock-model.ts";
import { createOpenClawHome } from "./harness.ts";
import type { OpenClawHome } from "./harness.ts";

const PLUGIN_DIR = fileURLToPath(new URL("../../plugin", import.meta.url));
const GROUP_SESSION = "agent:main:telegram:group:-100777";
const MAIN_SESSION = "agent:main:main";
const BLOCK_PREFIX = "otheru-coordinator:";
const TURN_TIMEOUT_MS = 360_000;
// Unique per run, so a match can only come from this run's MEMORY.md.
const MARKER = `OTHERU-PRIVATE-${randomBytes(6).toString("hex")}`;

let targets = "";
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

before(
  async () => {
    targets = await mkdtemp(join(tmpdir(), "otheru-e2e-memory-"));
    const workspace = join(targets, "workspace");
    await mkdir(join(workspace, "memory"), { recursive: true });
    await writeFile(join(workspace, "MEMORY.md"), `# Memory\n\n- The owner's locker code is ${MARKER}.\n`);
    await writeFile(join(workspace, "memory", "2026-11-24.md"), `- Talked about ${MARKER} today.\n`);
    // Both scenarios make the same two calls in one turn: memory_search, then read MEMORY.md.
    const steps = [
      { tool: "memory_search", args: { query: "locker code" } },
      { tool: "read", args: { path: "MEMORY.md" } },
    ];
    const script: MockScript = { "memory-group": { steps }, "memory-main": { steps } };
    mock = await startMockModel({ script });
    // No embedding provider offline: memory-core's memory_search runs on lexical (FTS) recall. Tool Search off, so
    // memory_search is a direct tool (by default OpenClaw defers it behind tool_search / tool_call).
    const extraConfig = { memory: { search: { provider: "none" } }, tools: { toolSearch: false } };
    oc = await createOpenClawHome({ pluginDir: PLUGIN_DIR, pluginConfig: {}, mockModelUrl: mock.url, workspaceDir: workspace, extraConfig });
    await oc.startGateway();
  },
  { timeout: 300_000 },
);

after(
  async () => {
    await oc?.close();
    await mock?.close();
    if (targets !== "") await rm(targets, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

describe("private memory through the real gateway (chat.send)", () => {
  test("a group turn: memory_search and read MEMORY.md are both blocked, the marker reaches neither tool results nor transcript", { timeout: TURN_TIMEOUT_MS }, async (t) => {
    const from = model().requests.length;
    const turn = await home().chatSend({ sessionKey: GROUP_SESSION, message: "what is my locker code? SCENARIO:memory-group", timeoutMs: 150_000 });
    assert.equal(turn.status, "ok", JSON.stringify(turn.waitResult));
    const requests = model().requests.slice(from);
    const results = toolResultsSeen(requests);
    assert.equal(results.length, 2, JSON.stringify(results));
    assert.ok((results[0] ?? "").startsWith(BLOCK_PREFIX), results[0]);
    assert.ok((results[0] ?? "").includes("[memory.tool-in-shared]"), results[0]);
    assert.ok((results[1] ?? "").startsWith(BLOCK_PREFIX), results[1]);
    assert.ok((results[1] ?? "").includes("[memory.file-in-shared]"), results[1]);
    assert.ok(!results.some((r) => r.includes(MARKER)), JSON.stringify(results));
    assert.ok(!JSON.stringify(turn.history).includes(MARKER), "the marker is in the group transcript");
    assert.ok(!turn.replyText.includes(MARKER), turn.replyText);
    // Not the coordinator's to decide: OpenClaw's own bootstrap drops root MEMORY.md only for turns whose chat type
    // is group/channel, and a chat.send turn is a webchat turn whatever its key. Report where the marker went.
    const reached: string[] = [];
    for (const r of requests) {
      const body = r.body as { messages?: { role?: string; content?: unknown }[] } | null;
      for (const m of body?.messages ?? []) {
        const text = typeof m.content === "string" ? m.content : JSON.stringify(m.content);
        const at = text.indexOf(MARKER);
        if (at >= 0) reached.push(`${m.role ?? "?"}: …${text.slice(Math.max(0, at - 160), at + 40).replace(/\s+/g, " ")}…`);
      }
    }
    t.diagnostic(`marker in model requests of the group turn: ${reached.length === 0 ? "none" : [...new Set(reached)].join(" | ")}`);
  });

  test("the owner's main session: the same two calls run and the read returns the marker", { timeout: TURN_TIMEOUT_MS }, async () => {
    const from = model().requests.length;
    const turn = await home().chatSend({ sessionKey: MAIN_SESSION, message: "what is my locker code? SCENARIO:memory-main", timeoutMs: 150_000 });
    assert.equal(turn.status, "ok", JSON.stringify(turn.waitResult));
    const results = toolResultsSeen(model().requests.slice(from));
    assert.equal(results.length, 2, JSON.stringify(results));
    assert.ok(!(results[0] ?? "").includes(BLOCK_PREFIX), results[0]);
    assert.ok(!(results[1] ?? "").includes(BLOCK_PREFIX), results[1]);
    assert.ok((results[1] ?? "").includes(MARKER), results[1]);
  });
});
