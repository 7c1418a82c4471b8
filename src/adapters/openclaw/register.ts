// register(api): cheap and idempotent. Parses config once per process, wires hooks and the service.
import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { ConfigError, defaultEnvFileFor, type LoadedConfig, loadConfig, PLUGIN_ID } from "../../config/load.ts";
import { createGate, type Gate } from "../../gate/gate.ts";
import { hostLayout, openclawPaths, PACKAGE_ROOT, realPathOf, storeSettings, workspaceFor } from "../../gate/host.ts";
import { canonicalJson, sha256Hex } from "../../config/canonical.ts";
import { createAfterToolCall, createBeforeToolCall, createOverrideWatcher, type HookLog, type PendingDecisions } from "./hook.ts";
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
  | { ok: true; gate: Gate; loaded: LoadedConfig; runtime: CoordinatorRuntime; escalations: PendingEscalations; instanceId: string; logFor: (host: HookLog) => HookLog; flushLog: () => Promise<void>; credentials: CredentialInjector | undefined }
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
const overrideSeen = { count: 0 };

/** The configured admin bots (Telegram via grammy, Discord via discord.js) around the platform-neutral handler. */
export function createAdminBots(config: Config, handler: AdminHandler, log: AdminLog, agentChannels?: unknown): AdminBot[] {
  const bots: AdminBot[] = [];
  const agentTokens = new Set<string>();
  collectStrings(agentChannels, agentTokens, 0);
  const t = config.admin.telegram;
  if (t) bots.push(agentTokens.has(t.token) ? refusedBot("telegram", "ADMIN_TELEGRAM_TOKEN") : createTelegramAdminBot({ token: t.token, chatId: t.chatId, handler, log, apiRoot: t.apiRoot }));
  const d = config.admin.discord;
  if (d) bots.push(agentTokens.has(d.token) ? refusedBot("discord", "ADMIN_DISCORD_TOKEN") : createDiscordAdminBot({ token: d.token, guildId: d.guildId, channelId: d.channelId, handler, log, apiRoot: d.apiRoot }));
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
  return { platform, start: async () => undefined, stop: async () => undefined, status: () => ({ platform, connected: false, error }), post: async () => Promise.reject(new Error(error)) };
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
    const gate = createGate(loaded, layout, { audit: "config", store, scrub });
    const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const escalations = createPendingEscalations();
    const runtime = createCoordinatorRuntime({
      config: loaded.config,
      policyHash: loaded.policyHash,
      store,
      instanceId,
      log,
      pending: escalations,
      audit: gate.audit,
      createBots: (handler) => createAdminBots(loaded.config, handler, log, (api.config as { channels?: unknown } | undefined)?.channels),
    });
    const credentials =
      loaded.config.credentials.length > 0
        ? createCredentialInjector({ scopes: compileCredentialScopes(loaded.config.credentials), values: loaded.credentialValues, processEnv: env, pathEnv: { home: layout.home, cwd: workspaceFor(layout, undefined) } })
        : undefined;
    built = { ok: true, loaded, gate, runtime, escalations, instanceId, logFor, flushLog: () => ops.flush(), credentials };
  } else built = { ok: false, problems: result.problems };
  cache.set(key, built);
  return built;
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

  const log = built.ok ? built.logFor(hostLog) : hostLog;
  if (!built.ok) {
    const error = new ConfigError(built.problems, `plugins.entries.${PLUGIN_ID}.config`);
    if (!announced.has(error.message)) {
      announced.add(error.message);
      log.error(`${error.message}\notheru-coordinator: every tool call is blocked until the config is fixed.`);
    }
    // Fail closed: with a broken config nothing runs, and the service start reports the problems.
    api.on("before_tool_call", () => ({ block: true, blockReason: "otheru-coordinator: the coordinator's config is invalid, so every tool call is blocked until an operator fixes it [config.invalid]" }), { priority: HOOK_PRIORITY });
    api.registerService({
      id: PLUGIN_ID,
      start: () => {
        throw error;
      },
    });
    return;
  }

  const { gate, loaded, runtime, escalations, flushLog, credentials } = built;
  const watch = createOverrideWatcher(gate, log, overrideSeen);
  const pending: PendingDecisions = new Map();
  api.on("before_tool_call", createBeforeToolCall(gate, loaded.config.approvals.timeoutMs, log, pending, escalations, credentials), { priority: HOOK_PRIORITY });
  // Scoped credentials: only to learn each exec's host (it runs just before that call's before_tool_call); it adds no env.
  if (credentials) api.on("resolve_exec_env", (event, ctx) => credentials.noteHost(event?.sessionKey ?? ctx?.sessionKey, event?.host), { priority: HOOK_PRIORITY });
  api.on(
    "after_tool_call",
    createAfterToolCall(gate, log, { enabled: loaded.config.decisionNotes.enabled, dir: loaded.config.decisionNotes.dir, timeZone: loaded.config.audit.timeZone, pending }),
  );
  api.on("message_received", (event, ctx) => {
    watch(event.content, { hook: "message_received", sessionKey: event.sessionKey ?? ctx.sessionKey, senderId: event.senderId });
  });
  api.on("before_prompt_build", (event, ctx) => {
    watch(event.currentUserMessage ?? event.prompt, { hook: "before_prompt_build", sessionKey: ctx.sessionKey, senderId: ctx.senderId });
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
