// Isolated OpenClaw home for e2e tests: temp state, linked plugin, CLI turns, one gateway, and cleanup of every process it starts.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, watch } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { GatewayClient } from "openclaw/plugin-sdk/gateway-runtime";
import { isolatedHome } from "../../src/demo/openclaw-home.ts";

export const PLUGIN_ID = "otheru-coordinator";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OPENCLAW_CLI = join(REPO_ROOT, "node_modules", "openclaw", "openclaw.mjs");
const NODE24_FALLBACK = join(REPO_ROOT, "node_modules", "node", "bin", "node");
const MOCK_MODEL_REF = "mock/mock-1";
const OUTPUT_CAP_BYTES = 4 * 1024 * 1024;
const KILL_GRACE_MS = 10_000;
const GATEWAY_READY_TIMEOUT_MS = 180_000;
const GATEWAY_POLL_INTERVAL_MS = 500;
const CONNECT_TIMEOUT_MS = 20_000;
const AGENT_WAIT_SLICE_MS = 30_000;
/** Env vars from the outer shell that would leak real state or route loopback traffic through a proxy. */

type GatewayClientOptions = ConstructorParameters<typeof GatewayClient>[0];
export type GatewayEvent = Parameters<NonNullable<GatewayClientOptions["onEvent"]>>[0];

export type CommandResult = {
  readonly args: readonly string[];
  /** Exit code, or null when the process died from a signal (including our timeout kill). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
};

export type ChatTurn = {
  readonly runId: string;
  /** Terminal `agent.wait` status: "ok" | "error", or "timeout" when our deadline passed first. */
  readonly status: string;
  /** The run's own final reply (`agent.wait` terminalReply.text; "" when absent). */
  readonly replyText: string;
  readonly sendResult: Readonly<Record<string, unknown>>;
  readonly waitResult: Readonly<Record<string, unknown>>;
  /** `chat.history` messages of the session after the run ended. */
  readonly history: readonly unknown[];
  /** Text of the last assistant message in `history` ("" when there is none); may belong to an earlier run. */
  readonly finalText: string;
  /** Gateway events seen on our connection while the turn ran. */
  readonly events: readonly GatewayEvent[];
  readonly durationMs: number;
};

export type Gateway = {
  readonly port: number;
  readonly url: string;
  readonly token: string;
  readonly client: GatewayClient;
  /** Every event the operator connection received since it connected. */
  readonly events: GatewayEvent[];
};

export type OpenClawHomeOptions = {
  readonly pluginDir: string;
  readonly pluginConfig: Readonly<Record<string, unknown>>;
  readonly mockModelUrl: string;
  readonly pluginId?: string;
  readonly workspaceDir?: string;
  /** Deep-merged over the generated config (objects merge, everything else replaces). */
  readonly extraConfig?: Readonly<Record<string, unknown>>;
  /** Bound for each CLI command (default 300 s). */
  readonly commandTimeoutMs?: number;
  /**
   * Install this source (e.g. `npm-pack:<tgz>`) with `plugins install <spec> --force --accept-capabilities`
   * instead of `--link <pluginDir>`; `pluginDir` is then not used.
   */
  readonly installSpec?: string;
};

export type OpenClawHome = {
  readonly root: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly logFile: string;
  readonly workspaceDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Output of `plugins install` (`--link <pluginDir>`, or `installSpec`). */
  readonly installResult: CommandResult;
  /** Run `openclaw <args>` in this home. */
  run(args: readonly string[], options?: { readonly timeoutMs?: number }): Promise<CommandResult>;
  readConfig(): Promise<Record<string, unknown>>;
  /** `plugins inspect <id> --runtime --json`, parsed. */
  inspect(): Promise<unknown>;
  /**
   * One embedded turn: `agent --local --agent main --session-key … --message … --json`.
   * OpenClaw refuses `--local` while a gateway owns the state dir, so this throws while ours runs.
   */
  agentLocal(options: { readonly sessionKey: string; readonly message: string; readonly timeoutMs?: number }): Promise<CommandResult>;
  startGateway(): Promise<Gateway>;
  /** Stop the gateway (and our connection to it); `agentLocal` works again afterwards. */
  stopGateway(): Promise<void>;
  /** `chat.send` through the gateway, then wait (bounded) for the run to end. */
  chatSend(options: { readonly sessionKey: string; readonly message: string; readonly timeoutMs?: number }): Promise<ChatTurn>;
  close(): Promise<void>;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The Node 24 binary: this process when it is Node >= 24, else the repo's `node` devDependency. */
export function resolveNode24(): string {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 24) return process.execPath;
  if (existsSync(NODE24_FALLBACK)) return NODE24_FALLBACK;
  throw new Error(`Node >= 24 required for OpenClaw; running ${process.version} and ${NODE24_FALLBACK} is missing (npm ci)`);
}

/** A free loopback port (the OS picks it; a tiny race with other listeners is accepted). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(0, "127.0.0.1", () => res());
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

/** Parse CLI JSON output, tolerating log lines printed before the JSON document. */
export function parseJsonOutput(stdout: string): unknown {
  const trimmed = stdout.trim();
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    const start = trimmed.search(/^[{[]/m);
    if (start < 0) throw new Error(`no JSON in output: ${trimmed.slice(0, 300)}`);
    return JSON.parse(trimmed.slice(start)) as unknown;
  }
}

function textOfContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) => (isRecord(part) && part["type"] !== "thinking" && typeof part["text"] === "string" ? part["text"] : ""))
    .join("");
}

/** Concatenated `payloads[].text` of `agent --json` output ("" when there are none). */
export function agentReplyText(stdout: string): string {
  const parsed = parseJsonOutput(stdout);
  if (!isRecord(parsed) || !Array.isArray(parsed["payloads"])) return "";
  return (parsed["payloads"] as unknown[])
    .map((p: unknown) => (isRecord(p) && typeof p["text"] === "string" ? p["text"] : ""))
    .join("\n");
}

function lastAssistantText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (isRecord(m) && m["role"] === "assistant") {
      const text = textOfContent(m["content"]);
      if (text !== "") return text;
    }
  }
  return "";
}

/** Every path under `dir` (files and folders), depth-bounded. */
async function listPaths(dir: string, depth = 0): Promise<string[]> {
  if (depth > 12) return [];
  const out: string[] = [dir];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listPaths(p, depth + 1)));
    else out.push(p);
  }
  return out;
}

/**
 * OpenClaw leaves `/tmp/openclaw-state-locks-<uid>/<family>.<sha256(dbPath)[0:8]>.lock.sqlite` per state
 * database (hard-coded /tmp), also for transient databases it deletes again (memory reindex copies).
 * Remove the ones whose hash names a path inside our temp root or one we saw created there, then the
 * folder if that left it empty; other state dirs' locks are untouched.
 */
async function removeOwnStateLocks(root: string, seen: ReadonlySet<string>): Promise<void> {
  if (typeof process.getuid !== "function") return;
  const lockDir = join("/tmp", `openclaw-state-locks-${process.getuid()}`);
  const paths = [...(await listPaths(root)), ...seen];
  const ours = new Set(paths.map((p) => createHash("sha256").update(p).digest("hex").slice(0, 8)));
  const names = await readdir(lockDir).catch(() => []);
  for (const name of names) {
    const hash = /^[a-z-]+\.([0-9a-f]{8})\.lock\.sqlite(?:-wal|-shm|-journal)?$/.exec(name)?.[1];
    if (hash !== undefined && ours.has(hash)) await rm(join(lockDir, name), { force: true });
  }
  await rmdir(lockDir).catch(() => undefined);
}

type Tracked = { readonly child: ChildProcess; readonly label: string; exited: boolean };

function isAlive(t: Tracked): boolean {
  return !t.exited && t.child.exitCode === null && t.child.signalCode === null;
}

/** Signal the child's process group (it is a group leader: spawned detached), falling back to the pid. */
function signalTracked(t: Tracked, signal: NodeJS.Signals): void {
  const pid = t.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // No group left. Signal the bare pid only while we have not reaped it, so a recycled pid is never hit.
    if (!isAlive(t)) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitExit(t: Tracked, ms: number): Promise<boolean> {
  if (!isAlive(t)) return true;
  return Promise.race([
    new Promise<boolean>((res) => t.child.once("exit", () => res(true))),
    sleep(ms).then(() => !isAlive(t)),
  ]);
}

async function stopTracked(t: Tracked): Promise<void> {
  if (isAlive(t)) {
    signalTracked(t, "SIGTERM");
    if (await waitExit(t, KILL_GRACE_MS)) {
      // The leader is gone; make sure nothing it started in its group lingers.
      signalTracked(t, "SIGKILL");
      return;
    }
  }
  signalTracked(t, "SIGKILL");
  await waitExit(t, 2_000);
}

/** Build the isolated home, link the plugin and write the full config. Call `close()` in `after`. */
export async function createOpenClawHome(options: OpenClawHomeOptions): Promise<OpenClawHome> {
  const pluginId = options.pluginId ?? PLUGIN_ID;
  // An `agent --local` turn loads every plugin in a fresh process: 30-120 s on a busy 2-core machine.
  const commandTimeoutMs = options.commandTimeoutMs ?? 300_000;
  const nodeBin = resolveNode24();
  const root = await mkdtemp(join(tmpdir(), "otheru-e2e-"));
  const token = randomBytes(24).toString("hex");
  // The same isolated home the demo uses: HOME, OPENCLAW_* and a scrubbed environment, all under root.
  const { stateDir, configPath, logFile, env } = await isolatedHome(root, token, dirname(nodeBin));
  const workspaceDir = options.workspaceDir ?? join(root, "workspace");
  await mkdir(workspaceDir, { recursive: true });
  // Remember every path created under the state dir, transient ones included, to find our lock files later.
  const seenPaths = new Set<string>();
  const stateWatcher = watch(stateDir, { recursive: true }, (_event, name) => {
    if (name !== null) seenPaths.add(join(stateDir, name));
  });
  stateWatcher.on("error", () => undefined);


  const tracked: Tracked[] = [];
  let gateway: Gateway | undefined;
  let closed = false;

  const spawnTracked = (args: readonly string[], label: string): Tracked => {
    if (closed) throw new Error(`harness closed; refusing to start ${label}`);
    const child = spawn(nodeBin, [OPENCLAW_CLI, ...args], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      // Own process group, so close() can also reach anything the CLI starts (exec shells, workers).
      detached: true,
    });
    const t: Tracked = { child, label, exited: false };
    child.once("exit", () => {
      t.exited = true;
    });
    tracked.push(t);
    return t;
  };

  const collect = (t: Tracked): { stdout: () => string; stderr: () => string } => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    t.child.stdout?.on("data", (c: Buffer) => {
      if (outBytes < OUTPUT_CAP_BYTES) out.push(c);
      outBytes += c.length;
    });
    t.child.stderr?.on("data", (c: Buffer) => {
      if (errBytes < OUTPUT_CAP_BYTES) err.push(c);
      errBytes += c.length;
    });
    return { stdout: () => Buffer.concat(out).toString("utf8"), stderr: () => Buffer.concat(err).toString("utf8") };
  };

  const run = async (args: readonly string[], runOptions: { readonly timeoutMs?: number } = {}): Promise<CommandResult> => {
    const started = Date.now();
    const t = spawnTracked(args, args.slice(0, 2).join(" "));
    const output = collect(t);
    const timeoutMs = runOptions.timeoutMs ?? commandTimeoutMs;
    let timedOut = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
      t.child.once("close", (code, signal) => res({ code, signal }));
      t.child.once("error", () => res({ code: null, signal: null }));
    });
    const timer = setTimeout(() => {
      timedOut = true;
      void stopTracked(t);
    }, timeoutMs);
    const { code, signal } = await exited;
    clearTimeout(timer);
    // Exec shells the turn started may outlive the CLI in its group; nothing of a finished command may linger.
    signalTracked(t, "SIGKILL");
    const index = tracked.indexOf(t);
    if (index >= 0) tracked.splice(index, 1);
    return { args, code, signal, timedOut, stdout: output.stdout(), stderr: output.stderr(), durationMs: Date.now() - started };
  };

  const readConfig = async (): Promise<Record<string, unknown>> => {
    const parsed: unknown = JSON.parse(await readFile(configPath, "utf8"));
    if (!isRecord(parsed)) throw new Error(`${configPath}: not a JSON object`);
    return parsed;
  };

  let gatewayProcess: Tracked | undefined;

  const stopGateway = async (): Promise<void> => {
    const gw = gateway;
    gateway = undefined;
    if (gw !== undefined) {
      try {
        await gw.client.stopAndWait({ timeoutMs: 5_000 });
      } catch {
        gw.client.stop();
      }
    }
    const t = gatewayProcess;
    gatewayProcess = undefined;
    if (t !== undefined) {
      await stopTracked(t);
      const index = tracked.indexOf(t);
      if (index >= 0) tracked.splice(index, 1);
    }
  };

  const close = async (): Promise<void> => {
    closed = true;
    await stopGateway();
    await Promise.all(tracked.map((t) => stopTracked(t)));
    tracked.length = 0;
    stateWatcher.close();
    await removeOwnStateLocks(root, seenPaths).catch(() => undefined);
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    // Shared per-uid temp folders OpenClaw creates; rmdir refuses non-empty ones, so another user's data stays.
    await rmdir("/tmp/openclaw").catch(() => undefined);
    if (typeof process.getuid === "function") {
      const staging = join("/tmp", `.openclaw-terminal-staging-${process.getuid()}`);
      await rmdir(join(staging, "terminal-upload-lock")).catch(() => undefined);
      await rmdir(staging).catch(() => undefined);
    }
  };

  try {
    // logging.file must exist before the first command, or logs land in /tmp/openclaw/.
    await writeFile(configPath, JSON.stringify({ logging: { file: logFile } }, null, 2));
    const source = options.installSpec === undefined ? ["--link", options.pluginDir] : [options.installSpec];
    const installResult = await run(["plugins", "install", ...source, "--force", "--accept-capabilities"]);
    if (installResult.code !== 0) {
      throw new Error(`plugins install failed (${installResult.code}): ${installResult.stderr.slice(-2000)}${installResult.stdout.slice(-2000)}`);
    }
    const gatewayPort = await findFreePort();
    const installed = await readConfig();
    const plugins = isRecord(installed["plugins"]) ? installed["plugins"] : {};
    const entries = isRecord(plugins["entries"]) ? plugins["entries"] : {};
    const existingEntry = isRecord(entries[pluginId]) ? entries[pluginId] : {};
    let config: Record<string, unknown> = {
      ...installed,
      models: {
        mode: "merge",
        providers: {
          mock: {
            baseUrl: options.mockModelUrl,
            apiKey: "mock-local",
            api: "openai-completions",
            models: [
              {
                id: "mock-1",
                name: "Mock 1",
                reasoning: false,
                input: ["text"],
                cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                contextWindow: 128_000,
                maxTokens: 4096,
              },
            ],
          },
        },
      },
      agents: { defaults: { model: { primary: MOCK_MODEL_REF }, workspace: workspaceDir } },
      gateway: { mode: "local", port: gatewayPort, bind: "loopback", auth: { mode: "token", token } },
      logging: { file: logFile },
      plugins: {
        ...plugins,
        entries: {
          ...entries,
          [pluginId]: { ...existingEntry, enabled: true, hooks: { allowConversationAccess: true }, config: options.pluginConfig },
        },
      },
    };
    if (options.extraConfig !== undefined) config = deepMerge(config, options.extraConfig);
    await writeFile(configPath, JSON.stringify(config, null, 2));

    const startGateway = async (): Promise<Gateway> => {
      if (gateway !== undefined) return gateway;
      const t = spawnTracked(["gateway", "run", "--port", String(gatewayPort)], "gateway");
      gatewayProcess = t;
      const output = collect(t);
      const base = `http://127.0.0.1:${gatewayPort}`;
      const deadline = Date.now() + GATEWAY_READY_TIMEOUT_MS;
      let ready = false;
      for (let i = 0; i < GATEWAY_READY_TIMEOUT_MS / GATEWAY_POLL_INTERVAL_MS && Date.now() < deadline; i += 1) {
        if (!isAlive(t)) break;
        try {
          const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          if (res.ok) {
            ready = true;
            break;
          }
        } catch {
          // not listening yet
        }
        await sleep(GATEWAY_POLL_INTERVAL_MS);
      }
      if (!ready) {
        await stopGateway();
        throw new Error(
          `gateway not ready on ${base} (alive=${isAlive(t)}): ${output.stderr().slice(-2000)}${output.stdout().slice(-2000)}`,
        );
      }
      const events: GatewayEvent[] = [];
      const url = `ws://127.0.0.1:${gatewayPort}`;
      let client: GatewayClient | undefined;
      const connected = await new Promise<GatewayClient>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`gateway client: no hello within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        client = new GatewayClient({
          url,
          token,
          clientName: "gateway-client",
          clientDisplayName: "otheru-e2e",
          mode: "backend",
          role: "operator",
          scopes: ["operator.admin", "operator.write", "operator.read", "operator.approvals"],
          // No device identity: it would be created under the test runner's real HOME. Loopback
          // backend clients with the shared token keep their scopes without one.
          deviceIdentity: null,
          env,
          onEvent: (evt) => {
            events.push(evt);
          },
          onHelloOk: () => {
            clearTimeout(timer);
            if (client !== undefined) res(client);
          },
          onConnectError: (err) => {
            clearTimeout(timer);
            rej(err);
          },
        });
        client.start();
      }).catch(async (err: unknown) => {
        client?.stop();
        await stopGateway();
        throw err;
      });
      gateway = { port: gatewayPort, url, token, client: connected, events };
      return gateway;
    };

    const chatSend = async (chat: { readonly sessionKey: string; readonly message: string; readonly timeoutMs?: number }): Promise<ChatTurn> => {
      const gw = gateway ?? (await startGateway());
      const started = Date.now();
      const deadline = started + (chat.timeoutMs ?? 90_000);
      const firstEvent = gw.events.length;
      const sendResult = await gw.client.request("chat.send", {
        sessionKey: chat.sessionKey,
        message: chat.message,
        idempotencyKey: randomUUID(),
      });
      const runId = sendResult["runId"];
      if (typeof runId !== "string") throw new Error(`chat.send returned no runId: ${JSON.stringify(sendResult)}`);
      let waitResult: Record<string, unknown> = { status: "timeout" };
      // agent.wait answers "timeout"/"pending" when its own slice expires; ask again until our deadline.
      for (let i = 0; i < 20 && Date.now() < deadline; i += 1) {
        const slice = Math.max(1_000, Math.min(AGENT_WAIT_SLICE_MS, deadline - Date.now()));
        waitResult = await gw.client.request("agent.wait", { runId, timeoutMs: slice }, { timeoutMs: slice + 10_000 });
        if (waitResult["status"] === "ok" || waitResult["status"] === "error") break;
      }
      const historyResult = await gw.client.request("chat.history", { sessionKey: chat.sessionKey, limit: 50 });
      const history = Array.isArray(historyResult["messages"]) ? (historyResult["messages"] as unknown[]) : [];
      const terminalReply = waitResult["terminalReply"];
      return {
        runId,
        status: typeof waitResult["status"] === "string" ? waitResult["status"] : "unknown",
        replyText: isRecord(terminalReply) && typeof terminalReply["text"] === "string" ? terminalReply["text"] : "",
        sendResult,
        waitResult,
        history,
        finalText: lastAssistantText(history),
        events: gw.events.slice(firstEvent),
        durationMs: Date.now() - started,
      };
    };

    return {
      root,
      stateDir,
      configPath,
      logFile,
      workspaceDir,
      env,
      installResult,
      run,
      readConfig,
      inspect: async () => {
        const result = await run(["plugins", "inspect", pluginId, "--runtime", "--json"]);
        if (result.code !== 0) throw new Error(`plugins inspect failed (${result.code}): ${result.stderr.slice(-2000)}`);
        return parseJsonOutput(result.stdout);
      },
      agentLocal: async (turn) => {
        if (gatewayProcess !== undefined) throw new Error("agentLocal: OpenClaw refuses --local while our gateway runs; stopGateway() first");
        return run(
          ["agent", "--local", "--agent", "main", "--session-key", turn.sessionKey, "--message", turn.message, "--json"],
          turn.timeoutMs === undefined ? {} : { timeoutMs: turn.timeoutMs },
        );
      },
      startGateway,
      stopGateway,
      chatSend,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
