// Config loading: raw plugin config (+ .env) -> validated Config and policy hash, or every problem with its fix.
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { findSecretShape } from "../patterns/secrets.ts";
import { credentialEnv, credentialProblems } from "../credentials/config.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { type ConfigProblem, formatProblem, problemsFromZod } from "./problems.ts";
import { purposeConfigProblems } from "../purpose/check.ts";
import { type Config, ConfigSchema } from "./schema.ts";

export const PLUGIN_ID = "otheru-coordinator";

export type Env = Readonly<Record<string, string | undefined>>;

export type LoadedConfig = {
  config: Config;
  /** sha256 of the canonical JSON of the validated config (defaults applied). */
  policyHash: string;
  /** Non-fatal findings (e.g. a .env file readable by others). */
  warnings: string[];
  /** Values of the operator's .env entries (8+ characters): never to leave the machine in a tool call. */
  secretValues: string[];
  /** Scoped credentials' values by name (never logged; handed only to the exec calls their scope covers). */
  credentialValues: Map<string, string>;
};

export type ConfigResult = { ok: true; value: LoadedConfig } | { ok: false; problems: string[] };

/** Thrown where a caller needs an exception (plugin startup); the message lists every problem. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source = "otheru-coordinator config") {
    super(`${source} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** No valid config nests deeper than this; deeper values are refused before anything recurses into them. */
const MAX_CONFIG_DEPTH = 32;

/** Walk every string in the raw config: refuse literal secrets, resolve ${VAR} from env. */
function resolveStrings(raw: unknown, env: Env, path: string, problems: ConfigProblem[], fromEnv: ReadonlySet<string>, depth = 0): unknown {
  if (depth > MAX_CONFIG_DEPTH && raw !== null && typeof raw === "object") {
    problems.push({ path, problem: `is nested more than ${MAX_CONFIG_DEPTH} levels deep`, fix: "remove the nesting (see the config reference in README.md)" });
    return null;
  }
  if (typeof raw === "string") {
    // OpenClaw substitutes ${VAR} in openclaw.json itself when it knows VAR: a value equal to an environment
    // value arrived that way and is not a literal in the file.
    const shape = fromEnv.has(raw) ? undefined : findSecretShape(raw);
    if (shape) {
      problems.push({
        path,
        problem: `contains what looks like a literal secret (${shape})`,
        fix: "move the secret into .env (mode 600) and reference the environment variable by name; never put credentials in openclaw.json",
      });
      return raw;
    }
    return raw.replace(PLACEHOLDER, (whole, name: string) => {
      const value = env[name];
      if (value === undefined) {
        problems.push({ path, problem: `references \${${name}}, which is not set`, fix: `set ${name} in the environment or in the .env file` });
        return whole;
      }
      return value;
    });
  }
  if (Array.isArray(raw)) return raw.map((v, i) => resolveStrings(v, env, path ? `${path}.${i}` : String(i), problems, fromEnv, depth + 1));
  if (raw !== null && typeof raw === "object") {
    const out: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key (JSON.parse makes it an own key) stays a key the schema refuses, not out's prototype.
    for (const [k, v] of Object.entries(raw)) Object.defineProperty(out, k, { value: resolveStrings(v, env, path ? `${path}.${k}` : k, problems, fromEnv, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return raw;
}

function semanticProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  const claim = (id: string, path: string) => {
    const prior = seen.get(id);
    if (prior) problems.push({ path, problem: `id "${id}" is already used at ${prior}`, fix: "give every rule and pattern its own id" });
    else seen.set(id, path);
  };
  config.rules.forEach((rule, i) => claim(rule.id, `rules.${i}.id`));
  config.suspiciousPatterns.forEach((p, i) => {
    claim(p.id, `suspiciousPatterns.${i}.id`);
    for (const key of ["pattern", "args"] as const) {
      const source = p[key];
      if (source === undefined) continue;
      try {
        new RegExp(source, p.flags);
      } catch (err) {
        problems.push({
          path: `suspiciousPatterns.${i}.${key}`,
          problem: `is not a valid regular expression (${(err as Error).message})`,
          fix: "fix the expression (JavaScript RegExp syntax)",
        });
      }
    }
  });
  problems.push(...purposeConfigProblems(config));
  const supervisorModel = config.approvals.supervisor.model;
  if (supervisorModel !== undefined && !Object.hasOwn(config.models, supervisorModel)) {
    const known = Object.keys(config.models);
    problems.push({
      path: "approvals.supervisor.model",
      problem: `names "${supervisorModel}", which is not an entry of models`,
      fix: known.length > 0 ? `use one of ${known.map((k) => `"${k}"`).join(", ")} or add models.${supervisorModel}` : `add models.${supervisorModel} ({"provider": "openai", "baseUrl": …, "model": …})`,
    });
  }
  return problems;
}

/** Validate a raw plugin config object. `env` supplies ${VAR} values (environment + .env). */
export function parseConfig(raw: unknown, env: Env): ConfigResult {
  const problems: ConfigProblem[] = [];
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== "object" || Array.isArray(input)) {
    return { ok: false, problems: [formatProblem({ path: "", problem: "must be a JSON object", fix: "write the plugin config as an object" })] };
  }
  const fromEnv = new Set(Object.values(env).filter((v): v is string => typeof v === "string" && v.length >= 8));
  problems.push(...placeholderProblems(input as Record<string, unknown>, fromEnv));
  const resolved = resolveStrings(input, env, "", problems, fromEnv);
  const parsed = ConfigSchema.safeParse(resolved);
  if (!parsed.success) problems.push(...problemsFromZod(parsed.error.issues));
  else problems.push(...semanticProblems(parsed.data), ...credentialProblems(parsed.data, new Date().toISOString().slice(0, 10)));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: problems.map(formatProblem) };
  const creds = credentialEnv(parsed.data.credentials, { fileEnv: {}, processEnv: env });
  return {
    ok: true,
    value: { config: parsed.data, policyHash: sha256Hex(canonicalJson(parsed.data)), warnings: [], secretValues: [...new Set([...configuredSecrets(parsed.data), ...creds.secretValues])], credentialValues: creds.values },
  };
}

const WHOLE_PLACEHOLDER = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Credentials the config itself carries must arrive as ${VAR}, so openclaw.json never holds them. */
function placeholderProblems(raw: Record<string, unknown>, fromEnv: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const admin = raw.admin as Record<string, Record<string, unknown> | undefined> | undefined;
  for (const platform of ["telegram", "discord"] as const) {
    const token = admin?.[platform]?.token;
    if (typeof token === "string" && !WHOLE_PLACEHOLDER.test(token) && !fromEnv.has(token)) {
      problems.push({
        path: `admin.${platform}.token`,
        problem: "must be an environment placeholder, not the token itself",
        fix: `write "\${ADMIN_${platform.toUpperCase()}_TOKEN}" and put the token in .env (mode 600)`,
      });
    }
  }
  const models = raw.models;
  if (models !== null && typeof models === "object" && !Array.isArray(models)) {
    for (const [name, entry] of Object.entries(models as Record<string, unknown>)) {
      const apiKey = (entry as { apiKey?: unknown } | null)?.apiKey;
      if (typeof apiKey === "string" && !WHOLE_PLACEHOLDER.test(apiKey) && !fromEnv.has(apiKey)) {
        problems.push({
          path: `models.${name}.apiKey`,
          problem: "must be an environment placeholder, not the key itself",
          fix: `write "\${${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY}" and put the key in .env (mode 600)`,
        });
      }
    }
  }
  const url = (raw.store as { url?: unknown } | undefined)?.url;
  if (typeof url === "string" && !WHOLE_PLACEHOLDER.test(url) && !fromEnv.has(url) && /^rediss?:\/\/[^/@]*:[^/@]*@/.test(url)) {
    problems.push({ path: "store.url", problem: "contains a password", fix: 'write "${REDIS_URL}" and put the URL in .env (mode 600)' });
  }
  return problems;
}

/** Secret values the config resolved (admin bot tokens, model API keys, a Redis password): never to appear in logs or records. */
function configuredSecrets(config: Config): string[] {
  const out: string[] = [];
  for (const t of [config.admin.telegram?.token, config.admin.discord?.token]) if (t && t.length >= 8) out.push(t);
  for (const m of Object.values(config.models)) if (m.apiKey && m.apiKey.length >= 8) out.push(m.apiKey);
  if (config.store.url) {
    try {
      const pw = decodeURIComponent(new URL(config.store.url).password);
      if (pw.length >= 8) out.push(pw);
    } catch {
      // The schema already refused a malformed URL.
    }
  }
  return out;
}

export type EnvFileResult = { env: Record<string, string>; warnings: string[]; problems: string[] };

/** Read a .env file if it exists; report it when others can read it. Never throws. */
export function readEnvFile(path: string): EnvFileResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { env: {}, warnings: [], problems: [] };
    return { env: {}, warnings: [], problems: [`envFile: cannot read ${path} (${code ?? String(err)}); fix its permissions or the path`] };
  }
  const warnings: string[] = [];
  try {
    if ((statSync(path).mode & 0o077) !== 0) warnings.push(`${path} is readable by group or others; run chmod 600 ${path}`);
  } catch {
    // stat after a successful read cannot fail in a way that matters here
  }
  return { env: parseDotenv(text), warnings, problems: [] };
}

/** The whole load: pick the .env file, merge it under the process environment, validate. */
export function loadConfig(raw: unknown, options: { env: Env; baseDir: string; defaultEnvFile?: string; exportedEnvFiles?: readonly string[] }): ConfigResult {
  const envFileRaw =
    raw !== null && typeof raw === "object" && typeof (raw as { envFile?: unknown }).envFile === "string"
      ? (raw as { envFile: string }).envFile
      : options.defaultEnvFile;
  let merged: Env = options.env;
  const warnings: string[] = [];
  let secretValues: string[] = [];
  let fileEnv: Record<string, string> = {};
  let envFilePath: string | undefined;
  if (envFileRaw) {
    const path = isAbsolute(envFileRaw) ? envFileRaw : resolve(options.baseDir, envFileRaw);
    const file = readEnvFile(path);
    if (file.problems.length > 0) return { ok: false, problems: file.problems };
    warnings.push(...file.warnings);
    merged = { ...file.env, ...options.env };
    secretValues = [...new Set(Object.values(file.env).filter((v) => v.length >= 8))];
    fileEnv = file.env;
    envFilePath = path;
  }
  const result = parseConfig(raw, merged);
  if (result.ok) {
    // Scoped credentials: the coordinator's envFile first; OpenClaw's own .env is exported to every child process.
    const exportedFile = envFilePath !== undefined && (options.exportedEnvFiles ?? []).some((f) => resolve(f) === envFilePath);
    const creds = credentialEnv(result.value.config.credentials, { fileEnv, processEnv: options.env, envFile: envFilePath, exportedFile });
    result.value.credentialValues = creds.values;
    result.value.warnings.push(...warnings, ...creds.warnings);
    result.value.secretValues = [...new Set([...secretValues, ...result.value.secretValues, ...creds.secretValues])];
  }
  return result;
}

export type ConfigFile = { pluginConfig: unknown; openclawConfig: Record<string, unknown> | undefined; path: string };

/** Read --config FILE: a whole openclaw.json (plugin config under plugins.entries) or the plugin object alone. */
export function readConfigFile(path: string): { ok: true; value: ConfigFile } | { ok: false; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, problems: [`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`${path}: not valid JSON (${(err as Error).message}); fix the syntax`] };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, problems: [`${path}: must contain a JSON object; write the config as an object`] };
  }
  const obj = json as Record<string, unknown>;
  if ("plugins" in obj || "gateway" in obj || "agents" in obj) {
    const entries = (obj.plugins as { entries?: Record<string, { config?: unknown }> } | undefined)?.entries;
    const entry = entries?.[PLUGIN_ID];
    if (!entry) {
      return {
        ok: false,
        problems: [`plugins.entries.${PLUGIN_ID}: missing in ${path}; add the plugin entry (see openclaw.config.example.json)`],
      };
    }
    return { ok: true, value: { pluginConfig: entry.config ?? {}, openclawConfig: obj, path } };
  }
  return { ok: true, value: { pluginConfig: obj, openclawConfig: undefined, path } };
}

export function defaultEnvFileFor(configPath: string): string {
  return join(dirname(configPath), ".env");
}
