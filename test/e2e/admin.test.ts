// E2E: the real gateway with the plugin's own Telegram admin bot (real grammy) talking to a fake Bot API on
// loopback: /stop blocks the next tool call, /resume lets it run, GET /dependencies/health answers on the gateway port.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startMockModel, toolResultsSeen } from "../fakes/mock-model.ts";
import type { MockModel } from "../fakes/mock-model.ts";
import { type FakeTelegramApi, startFakeTelegramApi } from "../fakes/telegram-api.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { createOpenClawHome, type Gateway, type OpenClawHome } from "./harness.ts";

const PLUGIN_DIR = fileURLToPath(new URL("../../plugin", import.meta.url));
const ADMIN_TOKEN = "123456:TEST-admin-token-not-real-e2e";
const ADMIN_CHAT = -1001234567890;
const OPERATOR = 4242;
const STRANGER = 999;
const MAIN_SESSION = "agent:main:main";
const TURN_TIMEOUT_MS = 180_000;

let dir = "";
let mock: MockModel | undefined;
let tg: FakeTelegramApi | undefined;
let oc: OpenClawHome | undefined;
let gw: Gateway | undefined;

function need<T>(v: T | undefined, what: string): T {
  assert.ok(v, `${what} not set up (see the before hook's error)`);
  return v;
}

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), "otheru-e2e-admin-"));
    const workspace = join(dir, "workspace");
    await mkdir(workspace);
    // The admin token lives in a .env (mode 600) that the plugin config points at; openclaw.json holds only ${ADMIN_TELEGRAM_TOKEN}.
    const envFile = join(dir, "coordinator.env");
    await writeFile(envFile, `ADMIN_TELEGRAM_TOKEN=${ADMIN_TOKEN}\n`);
    await chmod(envFile, 0o600);
    tg = await startFakeTelegramApi({ token: ADMIN_TOKEN, chats: [{ id: ADMIN_CHAT, type: "supergroup", title: "ops" }] });
    mock = await startMockModel({
      script: {
        "before-stop": { tool: "exec", args: { command: `echo hi > ${join(dir, "before-stop.txt")}` } },
        "during-stop": { tool: "exec", args: { command: `echo hi > ${join(dir, "during-stop.txt")}` } },
        "after-resume": { tool: "exec", args: { command: `echo hi > ${join(dir, "after-resume.txt")}` } },
      },
    });
    oc = await createOpenClawHome({
      pluginDir: PLUGIN_DIR,
      mockModelUrl: mock.url,
      workspaceDir: workspace,
      pluginConfig: {
        envFile,
        admin: { telegram: { token: "${ADMIN_TELEGRAM_TOKEN}", chatId: String(ADMIN_CHAT), operators: [String(OPERATOR)], apiRoot: tg.apiRoot } },
      },
    });
    gw = await oc.startGateway();
    // The service starts the bot: it authenticates (getMe), checks the chat and starts long polling.
    await tg.waitFor(() => tg?.requests.some((r) => r.method === "getUpdates") ?? false, 60_000, "the admin bot's first getUpdates");
  },
  { timeout: 420_000 },
);

after(
  async () => {
    await oc?.close();
    await mock?.close();
    await tg?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${need(gw, "gateway").port}/dependencies/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function turn(scenario: string): Promise<string[]> {
  const from = need(mock, "mock").requests.length;
  const t = await need(oc, "home").chatSend({ sessionKey: MAIN_SESSION, message: `SCENARIO:${scenario}`, timeoutMs: TURN_TIMEOUT_MS });
  assert.equal(t.status, "ok", JSON.stringify(t.waitResult));
  return toolResultsSeen(need(mock, "mock").requests.slice(from));
}

async function adminSays(fromId: number, text: string): Promise<void> {
  need(tg, "telegram").pushText({ chatId: ADMIN_CHAT, fromId, text });
}

test("GET /dependencies/health on the gateway port: 200, store, audit and the admin bot up, no secrets", { timeout: 60_000 }, async () => {
  const h = await health();
  assert.equal(h.status, 200, JSON.stringify(h.body));
  const deps = h.body.dependencies as { name: string; ok: boolean }[];
  assert.deepEqual(
    deps.map((d) => [d.name, d.ok]),
    [
      ["state-store", true],
      ["kill-switch", true],
      ["audit-log", true],
      ["admin-bot-telegram", true],
    ],
  );
  assert.equal((h.body.killSwitch as { engaged: boolean }).engaged, false);
  assert.ok(!JSON.stringify(h.body).includes(ADMIN_TOKEN));
});

test("a tool call runs before the stop", { timeout: TURN_TIMEOUT_MS }, async () => {
  const results = await turn("before-stop");
  assert.equal(results.length, 1);
  assert.ok(!(results[0] ?? "").includes("otheru-coordinator:"), results[0]);
  assert.equal(existsSync(join(dir, "before-stop.txt")), true);
});

test("/stop in the admin chat is acknowledged, then the next tool call is blocked with killswitch.engaged", { timeout: TURN_TIMEOUT_MS }, async () => {
  const t = need(tg, "telegram");
  const sentBefore = t.sent.length;
  await adminSays(OPERATOR, "/stop e2e drill");
  await t.waitFor(() => t.sent.length > sentBefore, 30_000, "the stop acknowledgement");
  const ack = t.sent[sentBefore];
  assert.equal(ack?.chatId, String(ADMIN_CHAT));
  assert.equal(typeof ack?.replyToMessageId, "number");
  assert.match(String(ack?.text), /^Emergency stop ENGAGED at /);

  const results = await turn("during-stop");
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.match(results[0] ?? "", /^otheru-coordinator: An operator engaged the coordinator's emergency stop at .* \(e2e drill\).*\[killswitch\.engaged\]/);
  assert.equal(existsSync(join(dir, "during-stop.txt")), false);

  const h = await health();
  assert.equal(h.status, 200);
  assert.equal((h.body.killSwitch as { engaged: boolean }).engaged, true);
});

test("/resume from a stranger is ignored and changes nothing; from the operator it lifts the stop", { timeout: TURN_TIMEOUT_MS }, async () => {
  const t = need(tg, "telegram");
  const sentBefore = t.sent.length;
  await adminSays(STRANGER, "/resume");
  await adminSays(OPERATOR, "/status");
  await t.waitFor(() => t.sent.length > sentBefore, 30_000, "the status reply");
  assert.equal(t.sent.length, sentBefore + 1, "the stranger got no answer");
  assert.match(String(t.sent[sentBefore]?.text), /^Emergency stop: ENGAGED since /);

  const before = t.sent.length;
  await adminSays(OPERATOR, "/resume");
  await t.waitFor(() => t.sent.length > before, 30_000, "the resume acknowledgement");
  assert.match(String(t.sent[before]?.text), /^Emergency stop lifted at /);
  const results = await turn("after-resume");
  assert.equal(results.length, 1);
  assert.ok(!(results[0] ?? "").includes("killswitch"), results[0]);
  assert.equal(existsSync(join(dir, "after-resume.txt")), true);
});

test("the audit trail records the stop, the refused stranger and the resume, and verifies", { timeout: 60_000 }, async () => {
  const home = need(oc, "home");
  await home.stopGateway();
  const auditDir = join(home.stateDir, "otheru-coordinator", "audit");
  const v = await verifyAuditDir(auditDir);
  const lines = () =>
    readdirSync(auditDir)
      .filter((f) => f.endsWith(".jsonl"))
      .flatMap((f) => readFileSync(join(auditDir, f), "utf8").trim().split("\n"))
      .slice(0, 16)
      .map((l) => {
        const r = JSON.parse(l) as Record<string, unknown>;
        return `${String(r.seq)} ${String(r.instance)} ${String(r.kind)} ${String(r.action ?? r.tool ?? "")}`;
      })
      .join("\n");
  assert.ok(v.ok, `${JSON.stringify(v.break)}\n${v.ok ? "" : lines()}`);
  const records = readdirSync(auditDir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(auditDir, f), "utf8").trim().split("\n"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const admin = records.filter((r) => r.kind === "admin").map((r) => [r.action, r.by ?? r.why]);
  assert.deepEqual(admin, [
    ["stop", `telegram:${OPERATOR}`],
    ["refused", "sender is not an operator"],
    ["resume", `telegram:${OPERATOR}`],
  ]);
  const blocked = records.filter((r) => r.kind === "call.before" && Array.isArray(r.ruleIds) && (r.ruleIds as string[]).includes("killswitch.engaged"));
  assert.equal(blocked.length, 1);
  for (const r of records) assert.ok(!JSON.stringify(r).includes(ADMIN_TOKEN), "the admin token never reaches the audit trail");
});
