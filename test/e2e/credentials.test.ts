// E2E: scoped credentials with the real OpenClaw 2026.9.6 gateway. DEPLOY_TOKEN lives in the coordinator's envFile and,
// with another value, in OpenClaw's own .env (so the gateway process exports it). Only an allowed exec of the scoped
// command alone sees the coordinator's value; every other exec sees the name blanked. Afterwards neither value is
// anywhere in the OpenClaw home, the workspace, the model's requests or the gateway's events.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startMockModel, toolResultsSeen } from "../fakes/mock-model.ts";
import type { MockModel } from "../fakes/mock-model.ts";
import { createOpenClawHome, type Gateway, type OpenClawHome } from "./harness.ts";

const PLUGIN_DIR = fileURLToPath(new URL("../../plugin", import.meta.url));
const MAIN_SESSION = "agent:main:main";
const TURN_TIMEOUT_MS = 360_000;
// Unique per run, shaped like no known secret (so only the configured-value redaction applies).
const SCOPED = `TEST-scoped-deploy-token-not-real-${randomBytes(6).toString("hex")}`;
const EXPORTED = `TEST-exported-deploy-token-not-real-${randomBytes(6).toString("hex")}`;
const PROBE = "TEST-github-probe-not-real-0123456789";

function sha16(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

let dir = "";
let coordinatorEnv = "";
let openclawEnv = "";
let mock: MockModel | undefined;
let oc: OpenClawHome | undefined;
let gw: Gateway | undefined;
let results: string[] = [];

function need<T>(v: T | undefined, what: string): T {
  assert.ok(v, `${what} not set up (see the before hook's error)`);
  return v;
}

/** Files under `root` (bounded depth), skipping sockets and the like. */
async function filesUnder(root: string, depth = 0): Promise<string[]> {
  if (depth > 14) return [];
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p, depth + 1)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), "otheru-e2e-creds-"));
    const workspace = join(dir, "workspace");
    const bin = join(dir, "bin");
    await mkdir(workspace);
    await mkdir(bin);
    // The scoped program: it prints a digest of what it received, never the value (the model echoes tool results).
    await writeFile(join(bin, "deploy"), '#!/bin/sh\nprintf \'DEPLOY_SEES=%s\\n\' "$(printf %s "$DEPLOY_TOKEN" | sha256sum | cut -c1-16)"\n');
    await chmod(join(bin, "deploy"), 0o755);
    coordinatorEnv = join(dir, "coordinator.env");
    await writeFile(coordinatorEnv, `DEPLOY_TOKEN=${SCOPED}\n`);
    await chmod(coordinatorEnv, 0o600);
    const exec = (command: string, extra: Record<string, unknown> = {}) => ({ tool: "exec", args: { command, ...extra } });
    mock = await startMockModel({
      script: {
        creds: {
          steps: [
            exec("deploy --env prod"),
            exec('echo "set=${DEPLOY_TOKEN+yes} len=${#DEPLOY_TOKEN}"'),
            exec('echo "T=[$DEPLOY_TOKEN]"'),
            exec("env | sort"),
            exec("deploy --env prod | cat"),
            exec("sh -c 'deploy --env prod'"),
            exec("/usr/bin/env deploy --env prod"),
            exec("echo probe", { env: { GITHUB_TOKEN: PROBE } }),
            exec('echo "P=$PRECEDENCE_PROBE"', { env: { PRECEDENCE_PROBE: "from-params-env" } }),
          ],
        },
      },
    });
    oc = await createOpenClawHome({
      pluginDir: PLUGIN_DIR,
      mockModelUrl: mock.url,
      workspaceDir: workspace,
      pluginConfig: { envFile: coordinatorEnv, credentials: [{ name: "DEPLOY_TOKEN", commands: ["deploy"], description: "e2e deploy tool" }] },
      extraConfig: { tools: { exec: { pathPrepend: [bin] } } },
    });
    // A second plugin whose resolve_exec_env sets PRECEDENCE_PROBE: which wins over a call's env parameter?
    const probe = join(dir, "precedence-probe");
    await mkdir(probe);
    await writeFile(join(probe, "package.json"), JSON.stringify({ name: "precedence-probe", version: "0.0.0", private: true, type: "module", openclaw: { extensions: ["./index.ts"] } }));
    await writeFile(
      join(probe, "openclaw.plugin.json"),
      JSON.stringify({ id: "precedence-probe", name: "precedence-probe", description: "e2e probe", activation: { onStartup: true }, configSchema: { type: "object", additionalProperties: false, properties: {} } }),
    );
    await writeFile(
      join(probe, "index.ts"),
      'import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry";\nexport default definePluginEntry({ id: "precedence-probe", name: "precedence-probe", description: "e2e probe", register(api) { api.on("resolve_exec_env", () => ({ PRECEDENCE_PROBE: "from-resolve-exec-env" })); } });\n',
    );
    const installed = await oc.run(["plugins", "install", "--link", probe, "--force", "--accept-capabilities"]);
    assert.equal(installed.code, 0, installed.stderr.slice(-2000));
    // OpenClaw loads the .env in its state dir into the gateway's own environment: the exported copy to blank.
    openclawEnv = join(oc.stateDir, ".env");
    await writeFile(openclawEnv, `DEPLOY_TOKEN=${EXPORTED}\n`);
    await chmod(openclawEnv, 0o600);
    gw = await oc.startGateway();
    const from = mock.requests.length;
    const turn = await oc.chatSend({ sessionKey: MAIN_SESSION, message: "deploy it SCENARIO:creds", timeoutMs: TURN_TIMEOUT_MS - 20_000 });
    assert.equal(turn.status, "ok", JSON.stringify(turn.waitResult));
    results = toolResultsSeen(mock.requests.slice(from));
  },
  { timeout: 480_000 },
);

after(
  async () => {
    await oc?.close();
    await mock?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

test("the turn ran every scripted exec and none was blocked by the coordinator", () => {
  assert.equal(results.length, 9, JSON.stringify(results));
  // A block reads "otheru-coordinator: …"; an escalation has no approval route in a chat.send turn and fails.
  for (const r of results) assert.ok(!r.includes("otheru-coordinator:") && !r.includes("Plugin approval"), r);
});

test("deploy alone, on the gateway, receives the coordinator's value (not the exported one)", () => {
  assert.match(results[0] ?? "", new RegExp(`DEPLOY_SEES=${sha16(SCOPED)}`), results[0]);
});

test("resolve_exec_env: an exec for an unscoped command receives none of the scoped tokens (the name is set, but empty)", () => {
  const [, isSet = "", echo = "", env = ""] = results;
  assert.match(isSet, /set=yes len=0/, isSet);
  assert.match(echo, /T=\[\]/, echo);
  assert.match(env, /^DEPLOY_TOKEN=$/m, env);
  for (const r of [isSet, echo, env]) {
    assert.ok(!r.includes(SCOPED) && !r.includes(EXPORTED), r);
  }
});

test("deploy inside a pipeline, a nested shell or behind an untrusted path wrapper receives the blank", () => {
  const empty = sha16("");
  for (const r of results.slice(4, 7)) assert.match(r, new RegExp(`DEPLOY_SEES=${empty}`), r);
});

test("OpenClaw itself refuses GITHUB_TOKEN as an exec env override (why the coordinator refuses it as a credential name)", () => {
  assert.match(results[7] ?? "", /Security Violation: Environment variable 'GITHUB_TOKEN' is forbidden during host execution/, results[7]);
});

test("a resolve_exec_env result wins over the call's env parameter for the same name (why blanks go through the parameters)", () => {
  assert.match(results[8] ?? "", /P=from-resolve-exec-env/, results[8]);
});

test("the exported copy is reported at startup", async () => {
  const log = await readFile(need(oc, "home").logFile, "utf8");
  assert.ok(log.includes("DEPLOY_TOKEN is also in the gateway's own environment"), "warning missing from the gateway log");
});

test("neither value is on disk (OpenClaw home, workspace, audit, transcripts, logs), in the model's requests or in gateway events", async (t) => {
  const home = need(oc, "home");
  const files = [...(await filesUnder(home.root)), ...(await filesUnder(join(dir, "workspace")))];
  const hits: string[] = [];
  // Positive control: the scoped run's digest is in the session transcript, so transcripts are among the files read.
  const digest = `DEPLOY_SEES=${sha16(SCOPED)}`;
  const controls: string[] = [];
  let scanned = 0;
  for (const f of files) {
    if (f === coordinatorEnv || f === openclawEnv) continue;
    const s = await stat(f).catch(() => undefined);
    if (!s || s.size > 64 * 1024 * 1024) continue;
    const bytes = await readFile(f).catch(() => undefined);
    if (!bytes) continue;
    scanned++;
    for (const v of [SCOPED, EXPORTED]) if (bytes.includes(v)) hits.push(`${f}: ${v === SCOPED ? "scoped" : "exported"} value`);
    if (bytes.includes(digest)) controls.push(f.slice(home.root.length));
  }
  t.diagnostic(`the digest (positive control) is in: ${controls.join(", ")}`);
  assert.ok(controls.length > 0, "the scan never saw the scoped run's output: it is not reading the transcripts");
  t.diagnostic(`scanned ${scanned} files under ${home.root} and the workspace`);
  assert.deepEqual(hits, []);
  const requests = JSON.stringify(need(mock, "mock").requests);
  assert.ok(!requests.includes(SCOPED) && !requests.includes(EXPORTED), "a value reached the model");
  const events = JSON.stringify(need(gw, "gateway").events);
  assert.ok(!events.includes(SCOPED) && !events.includes(EXPORTED), "a value is in the gateway's events to operator clients");
});
