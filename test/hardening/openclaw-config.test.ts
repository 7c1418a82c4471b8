// The shipped manifests/openclaw.json is a config the real OpenClaw 2026.9.6 accepts (its own strict validator).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { MANIFESTS, REPO } from "./deploy.ts";

const OPENCLAW_CLI = join(REPO, "node_modules", "openclaw", "openclaw.mjs");
const dir = mkdtempSync(join(tmpdir(), "oc-manifest-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("openclaw config validate accepts manifests/openclaw.json (plugin loaded from this checkout)", { timeout: 180_000 }, () => {
  const config = JSON.parse(readFileSync(join(MANIFESTS, "openclaw.json"), "utf8")) as { plugins: { load: { paths: string[] } }; logging?: unknown };
  // In the image the plugin sits in the global prefix; here the checkout's plugin root stands in for it.
  assert.deepEqual(config.plugins.load.paths, ["/usr/local/lib/node_modules/otheru-coordinator"]);
  config.plugins.load.paths = [join(REPO, "plugin")];
  config.logging = { file: join(dir, "openclaw.log") };
  mkdirSync(join(dir, "state"));
  writeFileSync(join(dir, "openclaw.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  const r = spawnSync(process.execPath, [OPENCLAW_CLI, "config", "validate"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 150_000,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      OPENCLAW_HOME: dir,
      OPENCLAW_STATE_DIR: join(dir, "state"),
      OPENCLAW_CONFIG_PATH: join(dir, "openclaw.json"),
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_NO_RESPAWN: "1",
      // What compose hands the container from .env (OpenClaw substitutes them before validating); fake values.
      OPENCLAW_GATEWAY_TOKEN: "gateway-token-for-config-validation",
      OPENCLAW_HOOKS_TOKEN: "hooks-token-for-config-validation",
      TELEGRAM_BOT_TOKEN: "agent-bot-token-for-config-validation",
      ADMIN_TELEGRAM_TOKEN: "admin-bot-token-for-config-validation",
      ADMIN_TELEGRAM_CHAT_ID: "-1005550001",
      ADMIN_TELEGRAM_OPERATOR_ID: "5550002",
    },
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Config valid/);
});
