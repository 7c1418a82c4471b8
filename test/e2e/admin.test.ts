// E2E: the real gateway with the plugin's own Telegram admin bot (real grammy) talking to a fake Bot API on
// loopback: /stop blocks the next tool call, /resume lets it run, GET /dependencies/health answers on the gateway port;
// in a critical conversation an exec escalates, its card is posted to the supervisors' chat, and a button press
// approves (the tool runs) or denies it (blocked); with no answer it expires and is blocked.
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
/** A group conversation the config marks critical: exec there escalates to the supervisors. */
const CRITICAL_GROUP = "telegram:group:-100555";
const CRITICAL_SESSION = `agent:main:${CRITICAL_GROUP}`;
const APPROVAL_TIMEOUT_MS = 15_000;
const TURN_TIMEOUT_MS = 360_000;

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
        "esc-approve": { tool: "exec", args: { command: `echo hi > ${join(dir, "esc-approve.txt")}` } },
        "esc-deny": { tool: "exec", args: { command: `echo hi > ${join(dir, "esc-deny.txt")}` } },
        "esc-expire": { tool: "exec", args: { command: `echo hi > ${join(dir, "esc-expire.txt")}` } },
      },
    });
    oc = await createOpenClawHome({
      pluginDir: PLUGIN_DIR,
      mockModelUrl: mock.url,
      workspaceDir: workspace,
      pluginConfig: {
        envFile,
        admin: { telegram: { token: "${ADMIN_TELEGRAM_TOKEN}", chatId: String(ADMIN_CHAT), operators: [String(OPERATOR)], apiRoot: tg.apiRoot } },
        criticalChannels: [CRITICAL_GROUP],
        approvals: { timeoutMs: APPROVAL_TIMEOUT_MS },
      },
      // The hook waits for the supervisors: its budget must outlive the approval timeout (the README's setting).
      extraConfig: { plugins: { entries: { "otheru-coordinator": { hooks: { timeouts: { before_tool_call: APPROVAL_TIMEOUT_MS + 15_000 } } } } } },
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

/** Starts a turn in the critical group and returns it with the approval card the admin bot posted for it. */
async function escalatedTurn(scenario: string): Promise<{ turn: Promise<string[]>; messageId: number; approve: string; deny: string }> {
  const t = need(tg, "telegram");
  const sentBefore = t.sent.length;
  const from = need(mock, "mock").requests.length;
  const turnDone = need(oc, "home")
    .chatSend({ sessionKey: CRITICAL_SESSION, message: `SCENARIO:${scenario}`, timeoutMs: TURN_TIMEOUT_MS })
    .then((r) => {
      assert.equal(r.status, "ok", JSON.stringify(r.waitResult));
      return toolResultsSeen(need(mock, "mock").requests.slice(from));
    });
  await t.waitFor(() => t.sent.slice(sentBefore).some((m) => /^otheru-coordinator: approve exec\?/.test(m.text)), 60_000, "the approval card");
  const card = t.sent.slice(sentBefore).find((m) => /^otheru-coordinator: approve exec\?/.test(m.text));
  assert.ok(card);
  assert.equal(card.chatId, String(ADMIN_CHAT));
  assert.match(card.text, new RegExp(`\nChannel: ${CRITICAL_SESSION} \\(group\\)\n`));
  assert.match(card.text, /\nWhy: .*\[critical\.high-stakes\]\n/);
  assert.match(card.text, new RegExp(`Arguments \\(redacted\\): .*${scenario}\\.txt`));
  const buttons = (card.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
  assert.deepEqual(
    buttons.map((b) => b.text),
    ["Approve", "Deny"],
  );
  return { turn: turnDone, messageId: card.messageId, approve: String(buttons[0]?.callback_data), deny: String(buttons[1]?.callback_data) };
}

test("critical channel: a stranger's click is refused; a supervisor approves in the chat and the tool runs", { timeout: TURN_TIMEOUT_MS }, async () => {
  const t = need(tg, "telegram");
  const esc = await escalatedTurn("esc-approve");
  const answersBefore = t.callbackAnswers.length;
  t.pushCallback({ fromId: STRANGER, chatId: ADMIN_CHAT, messageId: esc.messageId, data: esc.approve });
  await t.waitFor(() => t.callbackAnswers.length > answersBefore, 30_000, "the answer to the stranger");
  assert.equal(t.callbackAnswers[answersBefore]?.text, "You are not one of the configured supervisors; nothing was decided.");
  t.pushCallback({ fromId: OPERATOR, chatId: ADMIN_CHAT, messageId: esc.messageId, data: esc.approve });
  const results = await esc.turn;
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.ok(!(results[0] ?? "").includes("otheru-coordinator:"), results[0]);
  assert.equal(existsSync(join(dir, "esc-approve.txt")), true);
  assert.match(String(t.callbackAnswers[answersBefore + 1]?.text), /^APPROVED by telegram:4242 at /);
  // The card is updated with the outcome and loses its buttons.
  await t.waitFor(() => /\nOutcome: APPROVED by telegram:4242/.test(t.message(String(ADMIN_CHAT), esc.messageId)?.text ?? ""), 30_000, "the card's outcome");
  assert.deepEqual((t.message(String(ADMIN_CHAT), esc.messageId)?.replyMarkup as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard ?? [], []);
});

test("critical channel: a supervisor denies and the call is blocked with the reason the model sees", { timeout: TURN_TIMEOUT_MS }, async () => {
  const t = need(tg, "telegram");
  const esc = await escalatedTurn("esc-deny");
  t.pushCallback({ fromId: OPERATOR, chatId: ADMIN_CHAT, messageId: esc.messageId, data: esc.deny });
  const results = await esc.turn;
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.match(results[0] ?? "", /^otheru-coordinator: Denied by a supervisor \(telegram\) \(escalated because: .*\) \[critical\.high-stakes, escalation\.denied\]/);
  assert.equal(existsSync(join(dir, "esc-deny.txt")), false);
});

test("critical channel: with no answer the escalation expires and the call is blocked", { timeout: TURN_TIMEOUT_MS }, async () => {
  const t = need(tg, "telegram");
  const esc = await escalatedTurn("esc-expire");
  const results = await esc.turn;
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.match(results[0] ?? "", /^otheru-coordinator: No supervisor decided within 15 s, so the call is denied .*\[critical\.high-stakes, escalation\.expired\]/);
  assert.equal(existsSync(join(dir, "esc-expire.txt")), false);
  await t.waitFor(() => /\nOutcome: EXPIRED at /.test(t.message(String(ADMIN_CHAT), esc.messageId)?.text ?? ""), 30_000, "the card's outcome");
  // A late click changes nothing and says so.
  const answersBefore = t.callbackAnswers.length;
  t.pushCallback({ fromId: OPERATOR, chatId: ADMIN_CHAT, messageId: esc.messageId, data: esc.approve });
  await t.waitFor(() => t.callbackAnswers.length > answersBefore, 30_000, "the answer to the late click");
  assert.match(String(t.callbackAnswers[answersBefore]?.text), /^Already decided: EXPIRED at /);
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
  // Every step of each escalation: created, posted, each click (refused, or the outcome it wrote, then the accepted click); then whether it ran.
  const steps = records.filter((r) => r.kind === "escalation").map((r) => `${String(r.action)}${r.state ? `:${String(r.state)}` : ""}${r.accepted !== undefined ? `:${String(r.accepted)}` : ""}`);
  assert.deepEqual(steps, [
    "created",
    "posted",
    "decision-attempt:false",
    "outcome:approved",
    "decision-attempt:true",
    "created",
    "posted",
    "outcome:denied",
    "decision-attempt:true",
    "created",
    "posted",
    "outcome:expired",
    "decision-attempt:false",
  ]);
  const ran = records.filter((r) => r.kind === "call.after" && r.tool === "exec").map((r) => r.outcome);
  assert.deepEqual(ran, ["ran", "blocked", "ran", "ran", "blocked", "blocked"]);
  for (const r of records) assert.ok(!JSON.stringify(r).includes(ADMIN_TOKEN), "the admin token never reaches the audit trail");
});
