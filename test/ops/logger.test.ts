// Operational logger: real pino into a temp file; no secret reaches the file or the host logger.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createOpsLogger, type OpsForward } from "../../src/ops/logger.ts";

const dir = mkdtempSync(join(tmpdir(), "oc-ops-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Fake secrets only: a configured .env value, a GitHub-token-shaped string, and field values with no shape at all.
const CONFIGURED = "fake-env-value-Q7x2Lm9P";
const GH = `ghp_${"Zx9".repeat(12)}`;
const FIELD_TOKEN = "plain-field-value-4471";
const NESTED_KEY = "nested-key-value-8812";
const PARAM_TOKEN = "param-token-value-3390";

type Line = Record<string, unknown>;

function collector(): { forward: OpsForward; lines: string[] } {
  const lines: string[] = [];
  return { lines, forward: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } };
}

function readLines(file: string): Line[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);
}

test("secrets in the message and in fields reach neither the file nor the host logger", async () => {
  const file = join(dir, "secrets", "logs", "coordinator.log");
  const { forward, lines } = collector();
  const log = createOpsLogger({ file, secretValues: [CONFIGURED, "short"], forward });
  log.info(`loaded .env value ${CONFIGURED} (short stays)`, {
    command: `git push https://x-access:${GH}@github.com/acme/app.git`,
    token: FIELD_TOKEN,
    nested: { apiKey: NESTED_KEY, note: `uses ${CONFIGURED}`, count: 3 },
    params: { first: { token: PARAM_TOKEN } },
  });
  await log.close();
  const text = readFileSync(file, "utf8");
  for (const secret of [CONFIGURED, GH, FIELD_TOKEN, NESTED_KEY, PARAM_TOKEN]) {
    assert.ok(!text.includes(secret), `the file contains ${secret.slice(0, 6)}…`);
    assert.ok(!lines.join("\n").includes(secret), `a forwarded line contains ${secret.slice(0, 6)}…`);
  }
  const [line] = readLines(file);
  assert.equal(line?.["msg"], "loaded .env value [redacted:configured-secret] (short stays)");
  assert.equal(line?.["command"], "git push https://x-access:[redacted:github-token]@github.com/acme/app.git");
  assert.equal(line?.["token"], "[redacted:token]");
  assert.deepEqual(line?.["nested"], { apiKey: "[redacted:apikey]", note: "uses [redacted:configured-secret]", count: 3 });
  assert.deepEqual(line?.["params"], { first: { token: "[redacted:token]" } });
  assert.equal(line?.["level"], "info");
  assert.equal(line?.["name"], "otheru-coordinator");
  assert.deepEqual(lines, [
    'info loaded .env value [redacted:configured-secret] (short stays) {"command":"git push https://x-access:[redacted:github-token]@github.com/acme/app.git","token":"[redacted:token]","nested":{"apiKey":"[redacted:apikey]","note":"uses [redacted:configured-secret]","count":3},"params":{"first":{"token":"[redacted:token]"}}}',
  ]);
});

test("an error's message and stack are scrubbed too", async () => {
  const file = join(dir, "errors.log");
  const { forward, lines } = collector();
  const log = createOpsLogger({ file, secretValues: [CONFIGURED], forward });
  log.error("admin bot failed", { err: new Error(`401 for token ${CONFIGURED}`) });
  await log.close();
  const text = readFileSync(file, "utf8");
  assert.ok(!text.includes(CONFIGURED) && !lines.join("").includes(CONFIGURED));
  const [line] = readLines(file);
  const err = line?.["err"] as Record<string, unknown>;
  assert.equal(err["message"], "401 for token [redacted:configured-secret]");
  assert.equal(err["type"], "Error");
});

test("levels: below the threshold nothing is written; debug never goes to the host logger", async () => {
  const file = join(dir, "levels.log");
  const { forward, lines } = collector();
  const log = createOpsLogger({ file, level: "warn", secretValues: [], forward });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  await log.close();
  assert.deepEqual(
    readLines(file).map((l) => [l["level"], l["msg"]]),
    [
      ["warn", "w"],
      ["error", "e"],
    ],
  );
  assert.deepEqual(lines, ["warn w", "error e"]);

  const debugFile = join(dir, "debug.log");
  const d = collector();
  const debugLog = createOpsLogger({ file: debugFile, level: "debug", secretValues: [], forward: d.forward });
  debugLog.debug("only in the file");
  await debugLog.close();
  assert.deepEqual(readLines(debugFile).map((l) => [l["level"], l["msg"]]), [["debug", "only in the file"]]);
  assert.deepEqual(d.lines, []);
});

test("the file is mode 600 in a directory created mode 700, also when the file already existed", async () => {
  const file = join(dir, "modes", "logs", "coordinator.log");
  const log = createOpsLogger({ file, secretValues: [] });
  log.info("x");
  await log.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, "modes", "logs")).mode & 0o777, 0o700);

  const existing = join(dir, "existing.log");
  writeFileSync(existing, "", { mode: 0o644 });
  const again = createOpsLogger({ file: existing, secretValues: [] });
  again.info("y");
  await again.close();
  assert.equal(statSync(existing).mode & 0o777, 0o600);
});

test("close() writes every line logged before it; flush() makes them readable while open", async () => {
  const file = join(dir, "burst.log");
  const log = createOpsLogger({ file, secretValues: [] });
  for (let i = 0; i < 3_000; i++) log.info(`line ${i}`, { i });
  await log.flush();
  assert.equal(readLines(file).length, 3_000);
  for (let i = 3_000; i < 5_000; i++) log.info(`line ${i}`, { i });
  await log.close();
  const all = readLines(file);
  assert.equal(all.length, 5_000);
  assert.equal(all[4_999]?.["msg"], "line 4999");
  log.info("after close");
  await log.close();
  assert.equal(readLines(file).length, 5_000);
});

test("forwarded lines stay one line: newlines and control characters in logged text are escaped", () => {
  const { forward, lines } = collector();
  const log = createOpsLogger({ secretValues: [], forward });
  log.warn("first\nINFO forged line\u001b[31m", { why: "a\nb" });
  assert.deepEqual(lines, ['warn first\\nINFO forged line\\u001b[31m {"why":"a\\nb"}']);
});

test("a file that cannot be written is reported once to the host logger and never throws into the caller", async () => {
  const blocker = join(dir, "not-a-dir");
  writeFileSync(blocker, "");
  const { forward, lines } = collector();
  const log = createOpsLogger({ file: join(blocker, "logs", "coordinator.log"), secretValues: [], forward });
  log.info("still logged");
  log.error("twice");
  await log.flush();
  await log.close();
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? "", /^error otheru-coordinator: the operational log .*not-a-dir\/logs\/coordinator\.log cannot be written \(ENOTDIR: /);
  assert.deepEqual(lines.slice(1), ["info still logged", "error twice"]);
});
