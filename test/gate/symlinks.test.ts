import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { realPathOf } from "../../src/gate/host.ts";
import { fixedLayout, gateFor } from "../helpers.ts";

describe("self.protect sees through symlinks on the real filesystem", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "oc-links-")));
  after(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, "home");
  const ws = join(home, "ws");
  const state = join(home, ".openclaw", "otheru-coordinator");
  mkdirSync(join(state, "audit"), { recursive: true });
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(state, "audit", "day.jsonl"), "{}\n");
  symlinkSync(join(state, "audit"), join(ws, "logs")); // an innocent-looking name
  symlinkSync(join(state, "not-yet-there.db"), join(ws, "dangling")); // dangling: its target does not exist yet
  const gate = gateFor({}, fixedLayout({ home, workspaces: new Map([["*", ws]]), protectedPaths: [state] }));
  const decide = (tool: string, params: Record<string, unknown>) => gate.decide({ tool, params, sessionKey: "agent:main:main" });

  const cases: [string, string, Record<string, unknown>][] = [
    ["write through a link to the audit dir", "write", { path: "logs/day.jsonl", content: "" }],
    ["write through a dangling link to a new protected file", "write", { path: "dangling", content: "x" }],
    ["`..` after a link is resolved the kernel's way", "write", { path: "logs/../state.db", content: "x" }],
    ["shell truncation through the link", "exec", { command: "truncate -s 0 logs/*.jsonl" }],
    ["read through the link", "read", { path: "./logs/day.jsonl" }],
  ];
  for (const [name, tool, params] of cases) {
    test(name, async () => {
      const r = await decide(tool, params);
      assert.deepEqual([r.decision.kind, r.decision.ruleIds[0]], ["block", "self.protect"], r.decision.reason);
    });
  }

  test("ordinary workspace files stay allowed", async () => {
    const r = await decide("write", { path: "notes/today.md", content: "hi" });
    assert.equal(r.decision.kind, "allow");
  });

  test("realPathOf keeps missing components and follows links", () => {
    assert.equal(realPathOf(join(ws, "logs", "new", "file.txt")), join(state, "audit", "new", "file.txt"));
    assert.equal(realPathOf(join(ws, "dangling")), join(state, "not-yet-there.db"));
    assert.equal(realPathOf(`${ws}/logs/../x`), join(state, "x"));
  });
});
