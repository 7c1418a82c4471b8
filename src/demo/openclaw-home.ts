// Drive a real OpenClaw in an isolated home: CLI commands, the gateway process, and chat turns over its WebSocket.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GatewayClient } from "openclaw/plugin-sdk/gateway-runtime";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OPENCLAW_CLI = join(REPO_ROOT, "node_modules", "openclaw", "openclaw.mjs");

export type Home = { root: string; home: string; stateDir: string; configPath: string; logFile: string; env: Record<string, string> };

/** Variables a child OpenClaw must not inherit: our own OpenClaw settings, proxies, test-runner and npm state. */
const DROPPED_ENV = /^(OPENCLAW_|CLAWDBOT_|npm_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/i;

/** An isolated OpenClaw home under `root`: nothing touches the user's own ~/.openclaw. `nodeDir` goes first on PATH. */
export async function isolatedHome(root: string, token: string, nodeDir = dirname(process.execPath)): Promise<Home> {
  const home = join(root, "home");
  const stateDir = join(home, ".openclaw");
  const configPath = join(stateDir, "openclaw.json");
  const logFile = join(root, "openclaw.log");
  await mkdir(stateDir, { recursive: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !DROPPED_ENV.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_GATEWAY_TOKEN: token,
    NO_PROXY: "127.0.0.1,localhost",
    // Anything OpenClaw itself spawns as `node` must be Node 24 too.
    PATH: [nodeDir, env.PATH ?? ""].join(delimiter),
  });
  return { root, home, stateDir, configPath, logFile, env };
}

/** Run one OpenClaw CLI command to completion (bounded). */
export function runOpenClaw(home: Home, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OPENCLAW_CLI, ...args], { env: home.env, cwd: home.root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** The model provider block for a scripted OpenAI-compatible model at `baseUrl`. */
export function scriptedProvider(baseUrl: string): Record<string, unknown> {
  return {
    mode: "merge",
    providers: {
      mock: {
        baseUrl,
        apiKey: "mock-local",
        api: "openai-completions",
        models: [{ id: "mock-1", name: "Scripted demo model", reasoning: false, input: ["text"], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128_000, maxTokens: 4096 }],
      },
    },
  };
}

export function freePort(preferred = 0): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => (preferred === 0 ? resolve(0) : freePort(0).then(resolve)));
    server.listen(preferred, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export type Gateway = { port: number; process: ChildProcess; stop(): Promise<void> };

/** Start `openclaw gateway run` in its own process group; resolves when /readyz answers (bounded). */
export async function startGateway(home: Home, port: number, readyTimeoutMs = 120_000): Promise<Gateway> {
  const child = spawn(process.execPath, [OPENCLAW_CLI, "gateway", "run", "--port", String(port)], {
    env: home.env,
    cwd: home.root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (let i = 0; i < 400 && Date.now() < deadline && child.exitCode === null; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return { port, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`the OpenClaw gateway did not become ready on port ${port}:\n${output}`);
}

/** An operator connection to the gateway (token auth, loopback, no device identity written to disk). */
export function connectOperator(home: Home, port: number, token: string, timeoutMs = 30_000): Promise<GatewayClient> {
  return new Promise((resolve, reject) => {
    let client: GatewayClient | undefined;
    const timer = setTimeout(() => {
      client?.stop();
      reject(new Error(`no answer from the gateway within ${timeoutMs} ms`));
    }, timeoutMs);
    client = new GatewayClient({
      url: `ws://127.0.0.1:${port}`,
      token,
      clientName: "gateway-client",
      clientDisplayName: "otheru-coordinator-demo",
      mode: "backend",
      role: "operator",
      scopes: ["operator.admin", "operator.write", "operator.read"],
      deviceIdentity: null,
      env: home.env,
      onHelloOk: () => {
        clearTimeout(timer);
        if (client) resolve(client);
      },
      onConnectError: (err) => {
        clearTimeout(timer);
        client?.stop();
        reject(err);
      },
    });
    client.start();
  });
}

/** One webchat turn: chat.send, then agent.wait until the run ends (bounded). Returns the run's final reply text. */
export async function chatTurn(client: GatewayClient, sessionKey: string, message: string, timeoutMs = 120_000): Promise<{ status: string; reply: string }> {
  const sent = await client.request("chat.send", { sessionKey, message, idempotencyKey: randomUUID() });
  const runId = (sent as Record<string, unknown>).runId;
  if (typeof runId !== "string") throw new Error(`chat.send returned no runId: ${JSON.stringify(sent)}`);
  const deadline = Date.now() + timeoutMs;
  let result: Record<string, unknown> = { status: "timeout" };
  for (let i = 0; i < 30 && Date.now() < deadline; i++) {
    const slice = Math.max(1_000, Math.min(20_000, deadline - Date.now()));
    result = (await client.request("agent.wait", { runId, timeoutMs: slice }, { timeoutMs: slice + 10_000 })) as Record<string, unknown>;
    if (result.status === "ok" || result.status === "error") break;
  }
  const terminal = result.terminalReply as { text?: unknown } | undefined;
  return { status: String(result.status), reply: typeof terminal?.text === "string" ? terminal.text : "" };
}
