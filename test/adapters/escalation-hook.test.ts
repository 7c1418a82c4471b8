// The before_tool_call hook's escalation routes, through register(): the coordinator route (waits, denies without
// any supervisor), the hook budget it needs, and the OpenClaw route's allow-always grants (remembered, scoped, revocable).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type CoordinatorApi, registerCoordinator } from "../../src/adapters/openclaw/register.ts";
import { createGrants } from "../../src/approvals/grants.ts";
import { openStateStore } from "../../src/state/store.ts";

type Handler = (event: unknown, ctx: unknown) => unknown;
type Registered = { hooks: Map<string, { handler: Handler; timeoutMs: number | undefined }>; services: { id: string; start: (ctx: unknown) => unknown }[]; logs: string[] };

function fakeApi(pluginConfig: Record<string, unknown>, openclawConfig: Record<string, unknown> = {}): { api: CoordinatorApi; reg: Registered } {
  const reg: Registered = { hooks: new Map(), services: [], logs: [] };
  const api = {
    pluginConfig,
    config: openclawConfig,
    registrationMode: "full",
    logger: { info: (m: string) => reg.logs.push(`info ${m}`), warn: (m: string) => reg.logs.push(`warn ${m}`), error: (m: string) => reg.logs.push(`error ${m}`), debug: () => {} },
    on: (name: string, handler: Handler, opts?: { timeoutMs?: number }) => reg.hooks.set(name, { handler, timeoutMs: opts?.timeoutMs }),
    registerService: (svc: { id: string; start: (ctx: unknown) => unknown }) => reg.services.push(svc),
  } as unknown as CoordinatorApi;
  return { api, reg };
}

const STATE = mkdtempSync(join(tmpdir(), "oc-escalation-hook-"));
process.env.OPENCLAW_STATE_DIR = STATE;
process.env.ADMIN_TELEGRAM_TOKEN = "123456:fake-token-for-escalation-hook-tests";
process.on("exit", () => rmSync(STATE, { recursive: true, force: true }));

const MAIN = { sessionKey: "agent:main:main", agentId: "main" };
const DYNAMIC = { toolName: "exec", params: { command: "$X -rf /tmp/x" } };

describe("the coordinator route", () => {
  test("no supervisor model and no admin chat: the escalated call is denied, with the reason", async () => {
    const { api, reg } = fakeApi({ approvals: { route: "coordinator", timeoutMs: 5_000 } });
    registerCoordinator(api);
    const hook = reg.hooks.get("before_tool_call");
    assert.equal(hook?.timeoutMs, 15_000, "the plugin asks OpenClaw for approvals.timeoutMs + 10 s");
    assert.deepEqual(await hook?.handler(DYNAMIC, MAIN), {
      block: true,
      blockReason:
        "otheru-coordinator: Denied by the coordinator: no human supervisor is configured and the model did not settle it (escalated because: The command name is computed at run time, so what runs cannot be known in advance.) [shell.dynamic-command, escalation.denied]",
    });
  });

  test("an operator hook budget shorter than the approval timeout refuses to start and blocks every call", async () => {
    const plugin = { admin: { telegram: { token: "${ADMIN_TELEGRAM_TOKEN}", chatId: "-1001", operators: ["7"] } }, approvals: { timeoutMs: 60_000 } };
    const { api, reg } = fakeApi(plugin, { plugins: { entries: { "otheru-coordinator": { hooks: { timeouts: { before_tool_call: 30_000 } } } } } });
    registerCoordinator(api);
    assert.deepEqual(await reg.hooks.get("before_tool_call")?.handler({ toolName: "read", params: { path: "README.md" } }, MAIN), {
      block: true,
      blockReason: "otheru-coordinator: the coordinator's config is invalid, so every tool call is blocked until an operator fixes it [config.invalid]",
    });
    assert.throws(
      () => reg.services[0]?.start({}),
      (err: Error) =>
        err.message.includes(
          "hooks.timeouts.before_tool_call: is 30000 ms, but an escalation can wait 70000 ms (approvals.timeoutMs + supervisor model + 10000 ms), so OpenClaw would cut it off; set plugins.entries.otheru-coordinator.hooks.timeouts.before_tool_call to at least 70000 (max 600000) or lower approvals.timeoutMs",
        ),
    );
    // With a large enough budget the same config starts and the hook asks for what it needs.
    const ok = fakeApi(plugin, { plugins: { entries: { "otheru-coordinator": { hooks: { timeouts: { before_tool_call: 90_000 } } } } } });
    registerCoordinator(ok.api);
    assert.equal(ok.reg.hooks.get("before_tool_call")?.timeoutMs, 70_000);
    assert.equal(await ok.reg.hooks.get("before_tool_call")?.handler({ toolName: "read", params: { path: "README.md" } }, MAIN), undefined);
  });
});

describe("the OpenClaw route's allow-always", () => {
  test("offered only when configured; remembered for exactly that call; revocable", async () => {
    const off = fakeApi({ approvals: { route: "openclaw" } });
    registerCoordinator(off.api);
    const plain = (await off.reg.hooks.get("before_tool_call")?.handler(DYNAMIC, MAIN)) as { requireApproval: { allowedDecisions: string[] } };
    assert.deepEqual(plain.requireApproval.allowedDecisions, ["allow-once", "deny"]);

    const { api, reg } = fakeApi({ approvals: { route: "openclaw", allowAlways: true } });
    registerCoordinator(api);
    const hook = reg.hooks.get("before_tool_call")?.handler as Handler;
    const first = (await hook(DYNAMIC, MAIN)) as { requireApproval: { allowedDecisions: string[]; onResolution: (d: string) => void } };
    assert.deepEqual(first.requireApproval.allowedDecisions, ["allow-once", "allow-always", "deny"]);
    first.requireApproval.onResolution("allow-always");

    const store = openStateStore({ kind: "sqlite", path: join(STATE, "otheru-coordinator", "state.sqlite"), timeoutMs: 1000, namespace: "otheru-coordinator" });
    try {
      const grants = createGrants(store);
      let listed = await grants.list();
      for (let i = 0; i < 100 && listed.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        listed = await grants.list();
      }
      assert.deepEqual(
        listed.map((g) => [g.tool, g.channel, g.agentId, g.argsSummary]),
        [["exec", "unknown", "main", '{"command":"$X -rf /tmp/x"}']],
      );
      // The very same call runs; other arguments, another agent or another channel still ask.
      assert.equal(await hook(DYNAMIC, MAIN), undefined);
      assert.ok("requireApproval" in ((await hook({ toolName: "exec", params: { command: "$X -rf /tmp/y" } }, MAIN)) as object));
      assert.ok("requireApproval" in ((await hook(DYNAMIC, { ...MAIN, sessionKey: "agent:ops:main", agentId: "ops" })) as object));
      assert.ok("requireApproval" in ((await hook(DYNAMIC, { sessionKey: "agent:main:telegram:direct:5", agentId: "main" })) as object));
      assert.equal(await grants.revoke(listed[0]?.id ?? ""), true);
      assert.ok("requireApproval" in ((await hook(DYNAMIC, MAIN)) as object));
      assert.equal(await grants.revoke(listed[0]?.id ?? ""), false);
    } finally {
      await store.close();
    }
  });
});
