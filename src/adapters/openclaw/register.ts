// register(api): cheap and idempotent. Parses config once per process, wires hooks and the service.
import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { ConfigError, defaultEnvFileFor, type LoadedConfig, loadConfig, PLUGIN_ID } from "../../config/load.ts";
import { createGate, type Gate } from "../../gate/gate.ts";
import { createGoalStore } from "../../purpose/goals.ts";
import { createPurposeCapture, type PurposeCapture } from "./purpose-hooks.ts";
import { hostLayout, openclawPaths, PACKAGE_ROOT, realPathOf, storeSettings, workspaceFor } from "../../gate/host.ts";
import { canonicalJson, sha256Hex } from "../../config/canonical.ts";
import { type CoordinatorEscalation, createAfterToolCall, createBeforeToolCall, createOverrideWatcher, type HookLog, type PendingDecisions } from "./hook.ts";
import type { AuditEntry } from "../../audit/record.ts";
import { createBroker } from "../../approvals/broker.ts";
import { createGrants } from "../../approvals/grants.ts";
import { supervisorChats } from "../../approvals/clicks.ts";
import { routeFor, runEscalation, type SupervisorReview } from "../../approvals/escalate.ts";
import type { ApprovalClickHandler } from "../../approvals/types.ts";
import { readKillSwitch } from "../../state/killswitch.ts";
import { createSupervisor } from "../../approvals/supervisor.ts";
import { createModelClient } from "../../models/client.ts";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { lazyStateStore } from "../../state/store.ts";
import { createPendingEscalations, type PendingEscalations } from "../../approvals/pending.ts";
import { type CoordinatorRuntime, createCoordinatorRuntime } from "../../admin/runtime.ts";
import type { AdminBot, AdminHandler, AdminLog } from "../../admin/types.ts";
import type { Config } from "../../config/schema.ts";
import { createTelegramAdminBot } from "../telegram/admin-bot.ts";
import { createDiscordAdminBot } from "../discord/admin-bot.ts";
import { join } from "node:path";
import { createOpsLogger } from "../../ops/logger.ts";
import { createScrubber } from "../../ops/scrub.ts";
import { createCoordinatorCommand, createHealthRoute, HEALTH_PATH } from "./operator.ts";
import { compileCredentialScopes } from "../../credentials/config.ts";
import { type CredentialInjector, createCredentialInjector } from "../../credentials/inject.ts";

export type CoordinatorApi = Pick<OpenClawPluginApi, "on" | "registerService" | "logger" | "pluginConfig" | "config" | "registrationMode"> & {
  rootDir?: string | undefined;
  registerHttpRoute?: OpenClawPluginApi["registerHttpRoute"] | undefined;
  registerCommand?: OpenClawPluginApi["registerCommand"] | undefined;
};

/** Runs before every other plugin's before_tool_call: our block is terminal. */
export const HOOK_PRIORITY = 1000;

type Built =
  | {
      ok: true;
      gate: Gate;
      loaded: LoadedConfig;
      runtime: CoordinatorRuntime;
      escalations: PendingEscalations;
      instanceId: string;
      logFor: (host: HookLog) => HookLog;
      flushLog: () => Promise<void>;
      credentials: CredentialInjector | undefined;
      coordinator: CoordinatorEscalation;
      /** The before_tool_call budget the coordinator route needs (undefined: it never waits). */
      hookBudgetMs: number | undefined;
      /** check_action_purpose's goal capture (before_prompt_build, message_received, after_tool_call). */
      purposeCapture: PurposeCapture;
    }
  | { ok: false; problems: readonly string[] };

/**
 * One gate per distinct config per process: OpenClaw calls register() 2-4 times, and may load a second copy
 * of the plugin's modules (its plugin-capture pass) into the same process. The cache lives on globalThis so
 * every copy shares one gate, one audit log (one hash chain) and one runtime.
 */
const CACHE_KEY = Symbol.for("otheru-coordinator.register-cache");
const cache: Map<string, Built> = ((globalThis as Record<symbol, unknown>)[CACHE_KEY] as Map<string, Built> | undefined) ?? new Map<string, Built>();
(globalThis as Record<symbol, unknown>)[CACHE_KEY] = cache;
const announced = new Set<string>();
/** The last valid build per gateway (config path + state dir): what an invalid reload keeps running. */
const LAST_GOOD_KEY = Symbol.for("otheru-coordinator.last-good");
const lastGood: Map<string, Extract<Built, { ok: true }>> =
  ((globalThis as Record<symbol, unknown>)[LAST_GOOD_KEY] as Map<string, Extract<Built, { ok: true }>> | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[LAST_GOOD_KEY] = lastGood;
const overrideSeen = { count: 0 };

/** The configured admin bots (Telegram via grammy, Discord via discord.js) around the platform-neutral handler. */
export function createAdminBots(config: Config, handler: AdminHandler, log: AdminLog, agentChannels?: unknown, onApprovalClick?: ApprovalClickHandler): AdminBot[] {
  const bots: AdminBot[] = [];
  const agentTokens = new Set<string>();
  collectStrings(agentChannels, agentTokens, 0);
  const t = config.admin.telegram;
  if (t) bots.push(agentTokens.has(t.token) ? refusedBot("telegram", "ADMIN_TELEGRAM_TOKEN") : createTelegramAdminBot({ token: t.token, chatId: t.chatId, handler, log, apiRoot: t.apiRoot, onApprovalClick }));
  const d = config.admin.discord;
  if (d) bots.push(agentTokens.has(d.token) ? refusedBot("discord", "ADMIN_DISCORD_TOKEN") : createDiscordAdminBot({ token: d.token, guildId: d.guildId, channelId: d.channelId, handler, log, apiRoot: d.apiRoot, onApprovalClick }));
  return bots;
}

function collectStrings(v: unknown, out: Set<string>, depth: number): void {
  if (depth > 8) return;
  if (typeof v === "string") {
    if (v.length >= 8) out.add(v);
  } else if (Array.isArray(v)) for (const x of v) collectStrings(x, out, depth + 1);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) collectStrings(x, out, depth + 1);
}

/** An admin bot whose token is also one of the agent's channel tokens is never started (smaller blast radius). */
function refusedBot(platform: "telegram" | "discord", envName: string): AdminBot {
  const error = `${platform} admin bot: its token is also one of the agent's channel bot tokens; create a separate bot for the admin chat and put its token in ${envName}`;
  return {
    platform,
    start: async () => undefined,
    stop: async () => undefined,
    status: () => ({ platform, connected: false, error }),
    post: async () => Promise.reject(new Error(error)),
    postApproval: async () => Promise.reject(new Error(error)),
    updateApproval: async () => Promise.reject(new Error(error)),
  };
}

/** Margin between the approval timeout (plus the model's) and the hook budget: writing the outcome, the audit. */
const HOOK_MARGIN_MS = 10_000;
/** OpenClaw's ceiling for a hook budget. */
const HOOK_BUDGET_MAX_MS = 600_000;
const DEFAULT_MODEL_TIMEOUT_MS = 30_000;

/** The budget before_tool_call needs when the coordinator route can wait for supervisors; undefined when no channel uses it. */
export function hookBudget(config: Config): number | undefined {
  const a = config.approvals;
  const usesCoordinator = a.route === "coordinator" || a.channels.some((c) => c.route === "coordinator") || (a.route === "auto" && (a.supervisor.model !== undefined || supervisorChats(config).length > 0));
  if (!usesCoordinator) return undefined;
  const modelMs = a.supervisor.model !== undefined ? (config.models[a.supervisor.model]?.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS) : 0;
  return a.timeoutMs + modelMs + HOOK_MARGIN_MS;
}

/** The operator's before_tool_call budget for this plugin (hooks.timeouts.before_tool_call, else hooks.timeoutMs), if set. */
export function configuredHookBudget(openclawConfig: unknown): number | undefined {
  const entry = (openclawConfig as { plugins?: { entries?: Record<string, { hooks?: { timeoutMs?: unknown; timeouts?: Record<string, unknown> } }> } } | undefined)?.plugins?.entries?.[PLUGIN_ID];
  const per = entry?.hooks?.timeouts?.before_tool_call;
  if (typeof per === "number") return per;
  return typeof entry?.hooks?.timeoutMs === "number" ? entry.hooks.timeoutMs : undefined;
}

export function hookBudgetProblem(openclawConfig: unknown, neededMs: number): string | undefined {
  if (neededMs > HOOK_BUDGET_MAX_MS) {
    return `config.approvals.timeoutMs: escalations need a before_tool_call budget of ${neededMs} ms (approval timeout + supervisor model + ${HOOK_MARGIN_MS} ms), more than OpenClaw's maximum ${HOOK_BUDGET_MAX_MS}; lower approvals.timeoutMs (or the model's timeoutMs)`;
  }
  const set = configuredHookBudget(openclawConfig);
  if (set !== undefined && set < neededMs) {
    return `hooks.timeouts.before_tool_call: is ${set} ms, but an escalation can wait ${neededMs} ms (approvals.timeoutMs + supervisor model + ${HOOK_MARGIN_MS} ms), so OpenClaw would cut it off; set plugins.entries.${PLUGIN_ID}.hooks.timeouts.before_tool_call to at least ${neededMs} (max ${HOOK_BUDGET_MAX_MS}) or lower approvals.timeoutMs`;
  }
  return undefined;
}

/** The supervisor model's review, when approvals.supervisor.model names a configured model. */
function supervisorReview(loaded: LoadedConfig, scrub: (s: string) => string): SupervisorReview | undefined {
  const name = loaded.config.approvals.supervisor.model;
  const endpoint = name === undefined ? undefined : loaded.config.models[name];
  if (!endpoint) return undefined;
  const supervisor = createSupervisor(createModelClient(endpoint, { scrub }), { scrub });
  return (input) =>
    supervisor.review({
      tool: input.tool,
      argsSummary: input.argsSummary,
      findings: input.findings,
      ...(input.goal !== undefined ? { goal: input.goal } : {}),
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
      ...(input.chatType !== undefined ? { chatType: input.chatType } : {}),
      ...(input.requester ? { requester: { ...(input.requester.senderId !== undefined ? { senderId: input.requester.senderId } : {}), ...(input.requester.senderIsOwner !== undefined ? { senderIsOwner: input.requester.senderIsOwner } : {}) } } : {}),
    });
}

function protectMore(paths: string[], roots: readonly string[]): void {
  for (const r of roots) for (const p of [r, realPathOf(r)]) if (!paths.includes(p)) paths.push(p);
}

function build(api: CoordinatorApi, hostLog: HookLog): Built {
  const env = process.env;
  const key = sha256Hex(canonicalJson({ c: api.pluginConfig ?? {}, p: env.OPENCLAW_CONFIG_PATH ?? "", s: env.OPENCLAW_STATE_DIR ?? "" }));
  const hit = cache.get(key);
  if (hit) {
    // Another registration (or module copy) of the same config: its code location is protected too.
    if (hit.ok) protectMore(hit.gate.layout.protectedPaths as string[], [PACKAGE_ROOT, ...(api.rootDir ? [api.rootDir] : [])]);
    return hit;
  }
  const layoutFor = (loaded: LoadedConfig) =>
    hostLayout({ env, config: loaded.config, openclawConfig: api.config, ...(api.rootDir ? { pluginRoot: api.rootDir } : {}) });
  const probe = openclawPaths(env);
  // OpenClaw loads these into its own environment, so every child process inherits their entries.
  const exportedEnvFiles = [join(probe.openclawStateDir, ".env"), defaultEnvFileFor(probe.openclawConfigPath), join(probe.home, ".config", "openclaw", "gateway.env")];
  const result = loadConfig(api.pluginConfig ?? {}, { env, baseDir: probe.openclawStateDir, defaultEnvFile: defaultEnvFileFor(probe.openclawConfigPath), exportedEnvFiles });
  let built: Built;
  if (result.ok) {
    const loaded = result.value;
    const layout = layoutFor(loaded);
    // Operational log: pino into <stateDir>/logs/coordinator.log and the host's logger, scrubbed of secrets.
    // Each registration forwards to its own api.logger; the file is shared.
    // One scrubber per config, shared by the file log, the host log and (through the gate) hook results.
    const scrub = createScrubber(loaded.secretValues);
    const ops = createOpsLogger({ file: join(layout.stateDir, "logs", "coordinator.log"), secretValues: loaded.secretValues, scrub });
    const logFor = (host: HookLog): HookLog => ({
      info: (m) => (ops.info(m), host.info(scrub(m))),
      warn: (m) => (ops.warn(m), host.warn(scrub(m))),
      error: (m) => (ops.error(m), host.error(scrub(m))),
    });
    const log = logFor(hostLog);
    const store = lazyStateStore(storeSettings(loaded.config, layout), (m) => log.warn(`otheru-coordinator: ${m}`));
    // The purpose check's goal store: in memory, bounded, scrubbed (never persisted).
    const goals = createGoalStore({ bounds: loaded.config.purpose.store, scrub });
    const gate = createGate(loaded, layout, { audit: "config", store, scrub, goals });
    const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const escalations = createPendingEscalations();
    const record = (entry: AuditEntry) => (gate.audit ? gate.audit.event(entry) : Promise.resolve(undefined));
    const broker = createBroker({ store, instanceId, record, log, maxPending: loaded.config.approvals.maxPending });
    const hasHumans = supervisorChats(loaded.config).length > 0;
    const review = supervisorReview(loaded, scrub);
    const coordinator: CoordinatorEscalation = {
      routeFor: (ctx) => routeFor(loaded.config, ctx, hasHumans),
      grants: createGrants(store),
      // The purpose check's captured goal, shown to the supervisor as data.
      goalFor: (sessionKey, runId) => (sessionKey ? goals.goalFor(sessionKey, runId) : undefined),
      run: (call, approveSuffices) =>
        runEscalation({ broker, config: loaded.config, review, hasHumans, record, stopEngaged: async () => (await readKillSwitch(store)).engaged, log }, call, approveSuffices),
    };
    const runtime = createCoordinatorRuntime({
      config: loaded.config,
      policyHash: loaded.policyHash,
      store,
      instanceId,
      log,
      pending: escalations,
      audit: gate.audit,
      broker,
      createBots: (handler, onClick) => createAdminBots(loaded.config, handler, log, (api.config as { channels?: unknown } | undefined)?.channels, onClick),
    });
    const credentials =
      loaded.config.credentials.length > 0
        ? createCredentialInjector({ scopes: compileCredentialScopes(loaded.config.credentials), values: loaded.credentialValues, processEnv: env, pathEnv: { home: layout.home, cwd: workspaceFor(layout, undefined) } })
        : undefined;
    built = { ok: true, loaded, gate, runtime, escalations, instanceId, logFor, flushLog: () => ops.flush(), credentials, coordinator, hookBudgetMs: hookBudget(loaded.config), purposeCapture: createPurposeCapture(goals, log) };
  } else built = { ok: false, problems: result.problems };
  cache.set(key, built);
  return built;
}

/** Fail closed: with a broken config nothing runs, every call is blocked, and the service start reports the problems. */
function failClosed(api: CoordinatorApi, error: ConfigError, log: HookLog): void {
  if (!announced.has(error.message)) {
    announced.add(error.message);
    log.error(`${error.message}\notheru-coordinator: every tool call is blocked until the config is fixed.`);
  }
  api.on("before_tool_call", () => ({ block: true, blockReason: "otheru-coordinator: the coordinator's config is invalid, so every tool call is blocked until an operator fixes it [config.invalid]" }), { priority: HOOK_PRIORITY });
  api.registerService({
    id: PLUGIN_ID,
    start: () => {
      throw error;
    },
  });
}

export function registerCoordinator(api: CoordinatorApi): void {
  const hostLog: HookLog = {
    info: (m) => api.logger.info(m),
    warn: (m) => api.logger.warn(m),
    error: (m) => api.logger.error(m),
  };
  let built: Built;
  try {
    built = build(api, hostLog);
  } catch (err) {
    built = { ok: false, problems: [`(internal): config could not be loaded (${(err as Error).message}); report this as a bug`] };
  }
  // A reload (register() again in a gateway that already runs a valid policy) with an invalid config keeps the
  // running policy and reports every problem; only a gateway that never had a valid config blocks everything.
  const gatewayKey = `${process.env.OPENCLAW_CONFIG_PATH ?? ""}\u0000${process.env.OPENCLAW_STATE_DIR ?? ""}`;
  const running = lastGood.get(gatewayKey);
  if (built.ok) lastGood.set(gatewayKey, built);
  else if (running) {
    const error = new ConfigError(built.problems, `plugins.entries.${PLUGIN_ID}.config`);
    const runningLog = running.logFor(hostLog);
    if (!announced.has(`reload:${error.message}`)) {
      announced.add(`reload:${error.message}`);
      runningLog.error(`${error.message}\notheru-coordinator: the new config was NOT applied; the running policy ${running.loaded.policyHash} stays in force until a valid config is loaded.`);
    }
    built = running;
  }

  const log = built.ok ? built.logFor(hostLog) : hostLog;
  if (!built.ok) return failClosed(api, new ConfigError(built.problems, `plugins.entries.${PLUGIN_ID}.config`), log);

  const { gate, loaded, runtime, escalations, flushLog, credentials, coordinator, hookBudgetMs, purposeCapture } = built;
  // The hook waits for supervisors: OpenClaw must give it longer than the approval timeout, or it blocks the call first.
  const budgetProblem = hookBudgetMs === undefined ? undefined : hookBudgetProblem(api.config, hookBudgetMs);
  if (budgetProblem) return failClosed(api, new ConfigError([budgetProblem], `plugins.entries.${PLUGIN_ID}`), log);
  const watch = createOverrideWatcher(gate, log, overrideSeen);
  const pending: PendingDecisions = new Map();
  api.on("before_tool_call", createBeforeToolCall(gate, loaded.config.approvals.timeoutMs, log, pending, escalations, credentials, coordinator), {
    priority: HOOK_PRIORITY,
    ...(hookBudgetMs !== undefined ? { timeoutMs: hookBudgetMs } : {}),
  });
  // Scoped credentials: only to learn each exec's host (it runs just before that call's before_tool_call); it adds no env.
  if (credentials) api.on("resolve_exec_env", (event, ctx) => credentials.noteHost(event?.sessionKey ?? ctx?.sessionKey, event?.host), { priority: HOOK_PRIORITY });
  api.on(
    "after_tool_call",
    createAfterToolCall(gate, log, { enabled: loaded.config.decisionNotes.enabled, dir: loaded.config.decisionNotes.dir, timeZone: loaded.config.audit.timeZone, pending }),
  );
  // Tool results are the untrusted content the purpose check grounds entities in (or finds injections in).
  api.on("after_tool_call", (event, ctx) => purposeCapture.afterToolCall(event, ctx));
  api.on("message_received", (event, ctx) => {
    watch(event.content, { hook: "message_received", sessionKey: event.sessionKey ?? ctx.sessionKey, senderId: event.senderId });
    purposeCapture.messageReceived(event, ctx);
  });
  api.on("before_prompt_build", (event, ctx) => {
    watch(event.currentUserMessage ?? event.prompt, { hook: "before_prompt_build", sessionKey: ctx.sessionKey, senderId: ctx.senderId });
    purposeCapture.beforePromptBuild(event, ctx);
    return undefined;
  });
  api.registerHttpRoute?.({ path: HEALTH_PATH, auth: "plugin", match: "exact", handler: createHealthRoute(runtime) });
  api.registerCommand?.(createCoordinatorCommand(runtime, log));
  api.registerService({
    id: PLUGIN_ID,
    start: async () => {
      const c = loaded.config;
      log.info(
        `otheru-coordinator: policy ${loaded.policyHash} loaded (${c.rules.length} rules, ${c.suspiciousPatterns.length} patterns, ${c.criticalChannels.length} critical channels, ${c.highStakesTools.length} high-stakes tools)`,
      );
      for (const w of loaded.warnings) log.warn(`otheru-coordinator: ${w}`);
      // Bots, heartbeat and checkpoint posting; start() never throws (failures show in health).
      await runtime.start();
    },
    stop: async () => {
      await runtime.stop();
      // The file stays open for a later start (hooks keep logging until the process ends); flush what is written.
      await flushLog();
    },
  });
}
