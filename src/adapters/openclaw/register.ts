// register(api): cheap and idempotent. Parses config once per process, wires hooks and the service.
import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { ConfigError, defaultEnvFileFor, type LoadedConfig, loadConfig, PLUGIN_ID } from "../../config/load.ts";
import { createGate, type Gate } from "../../gate/gate.ts";
import { hostLayout, openclawPaths } from "../../gate/host.ts";
import { canonicalJson, sha256Hex } from "../../config/canonical.ts";
import { createAfterToolCall, createBeforeToolCall, createOverrideWatcher, type HookLog, type PendingDecisions } from "./hook.ts";

export type CoordinatorApi = Pick<OpenClawPluginApi, "on" | "registerService" | "logger" | "pluginConfig" | "config" | "registrationMode"> & {
  rootDir?: string | undefined;
};

/** Runs before every other plugin's before_tool_call: our block is terminal. */
export const HOOK_PRIORITY = 1000;

type Built = { ok: true; gate: Gate; loaded: LoadedConfig } | { ok: false; problems: readonly string[] };

/** One gate per distinct config per process: OpenClaw calls register() 2-4 times. */
const cache = new Map<string, Built>();
const announced = new Set<string>();
const overrideSeen = { count: 0 };

function build(api: CoordinatorApi): Built {
  const env = process.env;
  const key = sha256Hex(canonicalJson({ c: api.pluginConfig ?? {}, r: api.rootDir ?? "", p: env.OPENCLAW_CONFIG_PATH ?? "", s: env.OPENCLAW_STATE_DIR ?? "" }));
  const hit = cache.get(key);
  if (hit) return hit;
  const layoutFor = (loaded: LoadedConfig) =>
    hostLayout({ env, config: loaded.config, openclawConfig: api.config, ...(api.rootDir ? { pluginRoot: api.rootDir } : {}) });
  const probe = openclawPaths(env);
  const result = loadConfig(api.pluginConfig ?? {}, { env, baseDir: probe.openclawStateDir, defaultEnvFile: defaultEnvFileFor(probe.openclawConfigPath) });
  let built: Built;
  if (result.ok) built = { ok: true, loaded: result.value, gate: createGate(result.value, layoutFor(result.value), { audit: "config" }) };
  else built = { ok: false, problems: result.problems };
  cache.set(key, built);
  return built;
}

export function registerCoordinator(api: CoordinatorApi): void {
  const log: HookLog = {
    info: (m) => api.logger.info(m),
    warn: (m) => api.logger.warn(m),
    error: (m) => api.logger.error(m),
  };
  let built: Built;
  try {
    built = build(api);
  } catch (err) {
    built = { ok: false, problems: [`(internal): config could not be loaded (${(err as Error).message}); report this as a bug`] };
  }

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

  const { gate, loaded } = built;
  const watch = createOverrideWatcher(gate, log, overrideSeen);
  const pending: PendingDecisions = new Map();
  api.on("before_tool_call", createBeforeToolCall(gate, loaded.config.approvals.timeoutMs, log, pending), { priority: HOOK_PRIORITY });
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
  api.registerService({
    id: PLUGIN_ID,
    start: () => {
      const c = loaded.config;
      log.info(
        `otheru-coordinator: policy ${loaded.policyHash} loaded (${c.rules.length} rules, ${c.suspiciousPatterns.length} patterns, ${c.criticalChannels.length} critical channels, ${c.highStakesTools.length} high-stakes tools)`,
      );
      for (const w of loaded.warnings) log.warn(`otheru-coordinator: ${w}`);
    },
  });
}
