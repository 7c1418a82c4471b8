// Runs last in `npm test`: no configured secret and nothing secretlint recognises in any audit, log or memory file the
// whole suite wrote (under the suite root from test/global-setup.ts). Alone, it proves the scanner on planted files.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { collectSecrets, findTargets, formatFinding, scanTargets } from "./scan.ts";
import { expectedPath, META_DIR, PRELOAD_FLAG, readLedger, RETIRED_DIR, ROOT_ENV, verdictPath } from "./suite.ts";

const SELF = fileURLToPath(import.meta.url);
const REPO = resolve(import.meta.dirname, "..", "..");
const TEST_DIR = join(REPO, "test");
const ROOT = process.env[ROOT_ENV];
const BUDGET_MS = 120_000;

test("the scanner finds planted secrets by file, line and rule, and prints none of them", async () => {
  // Under the suite this lives in the root's bookkeeping dir, which the suite scan skips.
  const base = ROOT !== undefined && existsSync(join(ROOT, META_DIR)) ? join(ROOT, META_DIR) : tmpdir();
  const dir = mkdtempSync(join(base, "self-check-"));
  try {
    const configured = "selfcheck-value-Hn4kP9wQ";
    const gh = `ghp_${"Zx9".repeat(12)}`;
    const telegram = `123456789:AA${"hQ7".repeat(11)}`;
    writeFileSync(join(dir, ".env"), `FAKE_WEBHOOK_SECRET=${configured}\nSHORT=abc\n`);
    mkdirSync(join(dir, "state", "audit", "quarantine"), { recursive: true });
    writeFileSync(join(dir, "state", "audit", "2026-01-01.jsonl"), `{"seq":1,"prev":"0","hash":"1"}\n{"seq":2,"args":{"command":"curl -H 'token ${gh}'"}}\n{"seq":3}\n`);
    writeFileSync(join(dir, "state", "audit", "quarantine", "2026-01-01.jsonl.1767225600000.partial"), `{"seq":4,"args":"${configured}`);
    mkdirSync(join(dir, "workspace", "memory"), { recursive: true });
    writeFileSync(join(dir, "workspace", "memory", "2026-01-01.md"), `## Coordinator decisions\n- ran ls\n- blocked send of ${configured}\n`);
    writeFileSync(join(dir, "openclaw.log"), `gateway ready; token [redacted:github-token]; abc\nbot https://api.telegram.org/bot${telegram}/getMe\n`);
    mkdirSync(join(dir, "agents", "main", "sessions"), { recursive: true });
    writeFileSync(join(dir, "agents", "main", "sessions", "s1.jsonl"), `{"role":"user","content":"${gh}"}\n`);

    const targets = findTargets(dir);
    assert.deepEqual(
      targets.map((t) => [t.rel, t.kind]),
      [
        ["openclaw.log", "log"],
        ["state/audit/2026-01-01.jsonl", "audit"],
        ["state/audit/quarantine/2026-01-01.jsonl.1767225600000.partial", "audit"],
        ["workspace/memory/2026-01-01.md", "memory"],
      ],
    );
    const result = await scanTargets(targets, collectSecrets(dir), BUDGET_MS);
    const lines = result.findings.map(formatFinding);
    for (const secret of [configured, gh, telegram]) assert.ok(!lines.join("\n").includes(secret), "a finding line carries the secret");
    assert.deepEqual(lines, [
      "openclaw.log:2: log file: shape:telegram-bot-token",
      "state/audit/2026-01-01.jsonl:2: audit file: secretlint:github",
      "state/audit/2026-01-01.jsonl:2: audit file: shape:github-token",
      "state/audit/quarantine/2026-01-01.jsonl.1767225600000.partial:1: audit file: configured-secret (the value of .env:FAKE_WEBHOOK_SECRET)",
      "workspace/memory/2026-01-01.md:3: memory file: configured-secret (the value of .env:FAKE_WEBHOOK_SECRET)",
    ]);
    assert.equal(result.incomplete, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no secret in any audit, log or memory file the suite wrote", { timeout: 300_000 }, async (t) => {
  if (ROOT === undefined) {
    // Under `npm test` the global setup must have run; anywhere else a lone run has nothing to scan.
    const underNpmTest = process.env["npm_lifecycle_event"] === "test" || /--test-global-setup/.test(process.env["npm_lifecycle_script"] ?? "");
    assert.ok(!underNpmTest, `${ROOT_ENV} is not set under npm test: the test script must pass --test-global-setup=test/global-setup.ts`);
    t.skip(`not under the suite's global setup (${ROOT_ENV} unset): only the scanner's self-check ran`);
    return;
  }
  assert.ok(existsSync(ROOT), `the suite root ${ROOT} is missing: something removed it before the scan`);
  assert.ok((globalThis as { [PRELOAD_FLAG]?: true })[PRELOAD_FLAG] === true, "the retain-temp preload is not active in this process (test isolation off?): temp dirs were deleted unseen");

  // Last, and alone: every other file of this run finished before the scan starts.
  const expected = JSON.parse(readFileSync(expectedPath(ROOT), "utf8")) as string[];
  assert.ok(expected.length > 0, "the global setup could not tell which test files run: cannot prove this scan runs last");
  assert.equal(expected[expected.length - 1], SELF, `the scan must be the last test file; ${relative(REPO, expected[expected.length - 1] ?? "")} sorts after it`);
  const ledger = readLedger(ROOT);
  const started = new Set(ledger.flatMap((e) => (e.event === "start" ? [e.file] : [])));
  const exited = new Set(ledger.flatMap((e) => (e.event === "exit" ? [e.file] : [])));
  const notRun = expected.filter((f) => f !== SELF && !started.has(f)).map((f) => relative(REPO, f));
  const running = [...started].filter((f) => f !== SELF && !exited.has(f)).map((f) => relative(REPO, f));
  assert.deepEqual(notRun, [], "these test files had not run when the scan started");
  assert.deepEqual(running, [], "these test files were still running when the scan started (--test-concurrency must be 1)");

  const skip = [META_DIR];
  const targets = findTargets(ROOT, skip);
  const secrets = collectSecrets(ROOT, TEST_DIR, skip);
  const retired = ledger.filter((e) => e.event === "retired").length;
  if (expected.length > 1) assert.ok(targets.length > 0, `nothing to scan under ${ROOT}: the tests wrote no audit, log or memory file there (are temp dirs still retained in ${RETIRED_DIR}?)`);
  const result = await scanTargets(targets, secrets, BUDGET_MS);
  const byKind = (k: string) => targets.filter((x) => x.kind === k).length;
  t.diagnostic(
    `secret scan: ${result.files} files (${byKind("audit")} audit, ${byKind("log")} log, ${byKind("memory")} memory), ${(result.bytes / 1e6).toFixed(2)} MB, ` +
      `${secrets.length} configured secrets, ${retired} retained temp dirs, ${result.ms} ms (secretlint ${result.lintMs} ms)`,
  );
  const report = result.findings.map(formatFinding);
  assert.equal(result.incomplete, undefined, `the scan did not finish (${result.incomplete ?? ""}); root kept at ${ROOT}`);
  assert.deepEqual(report, [], `secrets found in files written by the suite (root kept at ${ROOT}):\n${report.join("\n")}`);
  writeFileSync(verdictPath(ROOT), `${new Date().toISOString()} ${result.files} files clean\n`);
});
