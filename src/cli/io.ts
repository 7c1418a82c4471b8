// Shared CLI plumbing: loading --config the way the plugin does, exit codes, output.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defaultEnvFileFor, type LoadedConfig, loadConfig, readConfigFile } from "../config/load.ts";
import { type HostLayout, hostLayout, PACKAGE_ROOT } from "../gate/host.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = "UsageError";
}

export type Loaded = { loaded: LoadedConfig; layout: HostLayout; source: string };

/** The example config at the package root, used when --config is not given. */
export function defaultConfigPath(): string {
  const candidates = [join(PACKAGE_ROOT, "openclaw.config.example.json"), join(PACKAGE_ROOT, "..", "openclaw.config.example.json")];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/** Load --config (whole openclaw.json or the plugin object) with .env and ${VAR}; throws UsageError listing every problem. */
export function loadForCli(options: { config?: string | undefined; stateDir?: string | undefined }, env: NodeJS.ProcessEnv): Loaded {
  const path = resolve(options.config ?? defaultConfigPath());
  const file = readConfigFile(path);
  if (!file.ok) throw new UsageError(file.problems.join("\n"));
  const raw = file.value.pluginConfig;
  const withState = options.stateDir && raw !== null && typeof raw === "object" ? { ...(raw as object), stateDir: resolve(options.stateDir) } : raw;
  const result = loadConfig(withState, { env, baseDir: dirname(path), defaultEnvFile: defaultEnvFileFor(path), exportedEnvFiles: [defaultEnvFileFor(path)] });
  if (!result.ok) throw new UsageError(`${path} is invalid:\n${result.problems.map((p) => `  ${p}`).join("\n")}`);
  const layout = hostLayout({
    env,
    config: result.value.config,
    openclawConfig: file.value.openclawConfig,
    ...(file.value.openclawConfig ? { configPath: path } : {}),
  });
  return { loaded: result.value, layout, source: path };
}
