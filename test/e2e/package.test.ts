// E2E of the PACKED package as users install it: `npm run build` → `plugins install npm-pack:<tgz>` into OpenClaw's
// managed npm project (dependencies from the registry) → the built JS gates a real turn, and the packed CLI decides.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startMockModel, toolResultsSeen } from "../fakes/mock-model.ts";
import type { MockModel } from "../fakes/mock-model.ts";
import { agentReplyText, createOpenClawHome, PLUGIN_ID, resolveNode24 } from "./harness.ts";
import type { OpenClawHome } from "./harness.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUILD_SCRIPT = join(REPO_ROOT, "src", "build", "build-package.ts");
const BUILD_TIMEOUT_MS = 120_000;
// OpenClaw's managed npm install took 55-75 s on an idle 2-CPU machine and 140 s under a parallel test run: npm resolves
// the whole `openclaw` peer graph before omitting it (plain `npm install --legacy-peer-deps` of the tarball: ~2 s).
const INSTALL_TIMEOUT_MS = 300_000;
// Generous: on a loaded 2-CPU machine inspect took 62 s and the turn 99 s (idle: 16 s and 26 s).
const INSPECT_TIMEOUT_MS = 150_000;
const TURN_TIMEOUT_MS = 360_000;
const CLI_TIMEOUT_MS = 30_000;
const SESSION = "agent:main:telegram:direct:42";
const BLOCK_PREFIX = "otheru-coordinator:";
const DESTRUCTIVE_RULE_IN_BRACKETS = "[fs.destructive]";
const BUILT_ENTRY = ["dist", "plugin", "index.js"] as const;
const BUILT_CLI = ["dist", "src", "cli", "main.js"] as const;

type ProcessResult = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly timedOut: boolean; readonly stdout: string; readonly stderr: string };

let scratch = "";
let workspace = "";
let tgz = "";
let mock: MockModel | undefined;
let oc: OpenClawHome | undefined;
/** The installed package root, from `plugins inspect` (set by the inspect test). */
let installedRoot = "";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function home(): OpenClawHome {
  assert.ok(oc, "OpenClaw home not built (see the before hook's error)");
  return oc;
}

function model(): MockModel {
  assert.ok(mock, "mock model not started");
  return mock;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Run `node <args>` (Node 24) with a bounded lifetime, optional stdin, in its own process group so a timeout kills all of it. */
function runNode(
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly input?: string; readonly timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((res) => {
    const child = spawn(resolveNode24(), [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    let timedOut = false;
    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      kill();
      res({ code, signal, timedOut, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    };
    child.once("close", finish);
    child.once("error", (e) => {
      err.push(Buffer.from(String(e)));
      finish(null, null);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** `npm run build` exactly: `node src/build/build-package.ts` from the repo root; the tarball path is the last stdout line. */
async function buildTarball(): Promise<string> {
  const { stdout } = await new Promise<{ stdout: string; stderr: string }>((res, rej) => {
    execFile(
      resolveNode24(),
      [BUILD_SCRIPT],
      { cwd: REPO_ROOT, timeout: BUILD_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, out, errOut) => (error ? rej(new Error(`build failed: ${error.message}\n${errOut.slice(-2000)}${out.slice(-2000)}`)) : res({ stdout: out, stderr: errOut })),
    );
  });
  const path = stdout.trim().split("\n").pop()?.trim() ?? "";
  assert.ok(path.endsWith(".tgz") && isAbsolute(path), `build printed no tarball path: ${stdout.slice(-1000)}`);
  assert.ok((await stat(path)).size > 0, `${path} is empty`);
  return path;
}

before(
  async () => {
    scratch = await mkdtemp(join(tmpdir(), "otheru-e2e-pkg-"));
    // The tarball is copied out of .build/ so a concurrent rebuild cannot swap it under the install.
    const built = await buildTarball();
    tgz = join(scratch, basename(built));
    await copyFile(built, tgz);
    // The victim is the agent's workspace root: deleting it is destructive wherever it lives.
    workspace = join(scratch, "workspace");
    await mkdir(workspace);
    await writeFile(join(workspace, "keep.txt"), "precious\n");
    mock = await startMockModel({ script: { destroy: { tool: "exec", args: { command: `rm -rf ${workspace}` } } } });
    oc = await createOpenClawHome({
      // Unused with installSpec; names the source folder the installed copy must NOT be.
      pluginDir: join(REPO_ROOT, "plugin"),
      installSpec: `npm-pack:${tgz}`,
      pluginConfig: {},
      mockModelUrl: model().url,
      workspaceDir: workspace,
      commandTimeoutMs: INSTALL_TIMEOUT_MS,
    });
  },
  { timeout: BUILD_TIMEOUT_MS + INSTALL_TIMEOUT_MS + 30_000 },
);

after(
  async () => {
    await oc?.close();
    await mock?.close();
    if (scratch !== "") await rm(scratch, { recursive: true, force: true, maxRetries: 3 });
  },
  { timeout: 60_000 },
);

test("npm-pack install goes into OpenClaw's managed npm project", () => {
  const { installResult, stateDir } = home();
  assert.equal(installResult.code, 0, installResult.stderr.slice(-2000));
  const out = installResult.stdout;
  assert.ok(out.includes(`Installing to ${join(stateDir, "npm", "projects", PLUGIN_ID)}`), out);
  assert.ok(out.includes(`Installed plugin: ${PLUGIN_ID}`), out);
});

test("plugins inspect: the built JS in the managed project is loaded, with a before_tool_call typed hook", { timeout: INSPECT_TIMEOUT_MS }, async () => {
  const report = await home().inspect();
  assert.ok(isRecord(report), "inspect output is not an object");
  const plugin = report["plugin"];
  assert.ok(isRecord(plugin), JSON.stringify(report).slice(0, 1000));
  assert.equal(plugin["id"], PLUGIN_ID);
  assert.equal(plugin["status"], "loaded", JSON.stringify(plugin["error"] ?? plugin["diagnostics"] ?? null));
  const rootDir = plugin["rootDir"];
  const source = plugin["source"];
  assert.ok(typeof rootDir === "string" && typeof source === "string", `rootDir=${String(rootDir)} source=${String(source)}`);

  // Not the checkout: neither the linked plugin/ folder nor anything else in the repo.
  assert.notEqual(resolve(rootDir), join(REPO_ROOT, "plugin"));
  assert.ok(!isInside(REPO_ROOT, rootDir), `rootDir ${rootDir} is inside the repo`);
  // OpenClaw's managed per-plugin npm project: <state>/npm/projects/<package>/node_modules/<package>.
  const project = join(home().stateDir, "npm", "projects", PLUGIN_ID);
  assert.equal(resolve(rootDir), join(project, "node_modules", PLUGIN_ID));
  // The entry is the compiled JS from package.json's openclaw.extensions, not a TypeScript source.
  assert.equal(resolve(source), join(rootDir, ...BUILT_ENTRY));
  const trust = plugin["trust"];
  assert.ok(isRecord(trust) && trust["installSource"] === "npm", JSON.stringify(trust));

  // Runtime dependencies came from the package's own dependencies (registry), resolvable from the installed package.
  const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as unknown;
  const lockPackages = isRecord(lock) && isRecord(lock["packages"]) ? lock["packages"] : {};
  const installedPkg = JSON.parse(await readFile(join(rootDir, "package.json"), "utf8")) as unknown;
  const deps = isRecord(installedPkg) && isRecord(installedPkg["dependencies"]) ? Object.keys(installedPkg["dependencies"]) : [];
  assert.ok(deps.length > 0, "the packed package.json lists no dependencies");
  for (const dep of deps) {
    const nested = `node_modules/${PLUGIN_ID}/node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    const key = nested in lockPackages ? nested : hoisted;
    const entry = lockPackages[key];
    assert.ok(isRecord(entry), `${dep} is not in the managed project's lock file`);
    assert.equal(entry["version"], (installedPkg as { dependencies: Record<string, string> }).dependencies[dep], `${dep} version`);
    assert.ok(existsSync(join(project, ...key.split("/"), "package.json")), `${dep} is not installed at ${key}`);
  }

  const typedHooks = report["typedHooks"];
  assert.ok(Array.isArray(typedHooks), "no typedHooks in inspect output");
  const hookNames = (typedHooks as unknown[]).map((h) => (isRecord(h) ? h["name"] : undefined));
  assert.ok(hookNames.includes("before_tool_call"), `typed hooks: ${JSON.stringify(hookNames)}`);
  installedRoot = rootDir;
});

test("agent --local: the installed package blocks rm -rf of the workspace; it survives", { timeout: TURN_TIMEOUT_MS + 10_000 }, async () => {
  const from = model().requests.length;
  const result = await home().agentLocal({ sessionKey: SESSION, message: "please clean up SCENARIO:destroy", timeoutMs: TURN_TIMEOUT_MS });
  assert.equal(result.code, 0, `timedOut=${result.timedOut} ${result.stderr.slice(-2000)}`);
  const toolResults = toolResultsSeen(model().requests.slice(from));
  assert.equal(await readFile(join(workspace, "keep.txt"), "utf8"), "precious\n", `workspace damaged; tool results: ${JSON.stringify(toolResults)}`);
  assert.equal(toolResults.length, 1, JSON.stringify(toolResults));
  const reason = toolResults[0] ?? "";
  assert.ok(reason.startsWith(BLOCK_PREFIX), reason);
  assert.ok(reason.includes(DESTRUCTIVE_RULE_IN_BRACKETS), reason);
  const reply = agentReplyText(result.stdout);
  assert.ok(reply.includes(DESTRUCTIVE_RULE_IN_BRACKETS), reply);
});

test("the installed package's CLI: evaluate blocks rm -rf /", { timeout: CLI_TIMEOUT_MS + 5_000 }, async () => {
  assert.ok(installedRoot !== "", "installed package root unknown (the inspect test failed)");
  const cli = join(installedRoot, ...BUILT_CLI);
  assert.ok(existsSync(cli), `${cli} missing`);
  const result = await runNode([cli, "evaluate"], {
    cwd: home().root,
    env: home().env,
    input: `${JSON.stringify({ id: "p1", tool: "exec", params: { command: "rm -rf /" } })}\n`,
    timeoutMs: CLI_TIMEOUT_MS,
  });
  assert.equal(result.code, 0, `code=${String(result.code)} timedOut=${result.timedOut} stderr: ${result.stderr.slice(-2000)}`);
  const lines = result.stdout.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, result.stdout);
  const decision = JSON.parse(lines[0] ?? "") as unknown;
  assert.ok(isRecord(decision), result.stdout);
  assert.equal(decision["id"], "p1");
  assert.equal(decision["decision"], "block", result.stdout);
  assert.ok(Array.isArray(decision["ruleIds"]) && decision["ruleIds"].includes("fs.destructive"), result.stdout);
});
