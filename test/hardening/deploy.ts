// Test helper: a copy of the shipped manifests/ with a fixture laid over it, set up the documented way (setup.sh).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const MANIFESTS = join(REPO, "manifests");
export const FIXTURES = join(REPO, "test", "fixtures", "deployments");
export const BIN = join(REPO, "plugin", "bin", "otheru-coordinator.mjs");

/** Obviously fake credentials of the right shapes, built here so no token-shaped literal is committed. */
export const FAKE = {
  telegram: `${"1234"}${"56789"}:${"Fake".repeat(8)}Tok`,
  openai: `sk-${"proj-"}${"FAKE0".repeat(5)}`,
  github: `ghp_${"FAKE".repeat(9)}`,
  aws: `AKIA${"FAKE".repeat(4)}`,
  slack: `xoxb-${"0000".repeat(3)}-fake`,
  discord: `M${"F".repeat(23)}.${"Fakeee"}.${"f".repeat(27)}`,
  pem: `-----BEGIN ${"PRIVATE"} KEY-----`,
} as const;

const MARKERS: Record<string, string> = { __FAKE_TELEGRAM_TOKEN__: FAKE.telegram };

function unmark(text: string): string {
  return text.replace(/__FAKE_[A-Z_]+__/g, (m) => MARKERS[m] ?? m);
}

type Fixture = {
  json?: Record<string, [(string | number)[], unknown][]>;
  replace?: Record<string, [string, string][]>;
  chmod?: Record<string, string>;
};

function setPath(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === null) delete node[last];
  else node[last] = typeof value === "string" ? unmark(value) : value;
}

/** The files under dir, relative, for applying markers to an overlay. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

export type Deployed = { root: string; dir: string; cleanup: () => void };

/** Copy manifests/ (nothing an operator created there), lay the fixture over it, run setup.sh, apply the rest. */
export function deploy(fixture?: string, options: { setup?: boolean } = {}): Deployed {
  const root = mkdtempSync(join(tmpdir(), `oc-deploy-${fixture ?? "shipped"}-`));
  const dir = join(root, "deployment");
  const operatorMade = /(^|\/)(\.env|data|secrets|otheru-coordinator\.tgz|monitors\.rendered\.json)$/;
  cpSync(MANIFESTS, dir, { recursive: true, filter: (src) => !operatorMade.test(relative(MANIFESTS, src)) });
  // What git gives a fresh clone: 644 files, 755 scripts.
  chmodSync(join(dir, "openclaw.json"), 0o644);
  const spec: Fixture = fixture === undefined ? {} : (JSON.parse(readFileSync(join(FIXTURES, fixture, "fixture.json"), "utf8")) as Fixture);
  if (fixture !== undefined && existsSync(join(FIXTURES, fixture, "files"))) {
    const overlay = join(FIXTURES, fixture, "files");
    for (const rel of listFiles(overlay)) {
      cpSync(join(overlay, rel), join(dir, rel), { recursive: true });
      writeFileSync(join(dir, rel), unmark(readFileSync(join(overlay, rel), "utf8")));
    }
  }
  for (const [file, edits] of Object.entries(spec.json ?? {})) {
    const json = JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown;
    for (const [path, value] of edits) setPath(json, path, value);
    writeFileSync(join(dir, file), `${JSON.stringify(json, null, 2)}\n`);
  }
  for (const [file, edits] of Object.entries(spec.replace ?? {})) {
    let text = readFileSync(join(dir, file), "utf8");
    for (const [from, to] of edits) {
      assert.ok(text.includes(from), `fixture ${fixture}: ${file} does not contain ${from}`);
      text = text.replace(from, unmark(to));
    }
    writeFileSync(join(dir, file), text);
  }
  if (options.setup !== false) {
    const r = spawnSync("sh", [join(dir, "setup.sh")], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, `setup.sh failed: ${r.stderr}`);
  }
  for (const [path, mode] of Object.entries(spec.chmod ?? {})) chmodSync(join(dir, path), Number.parseInt(mode, 8));
  return { root, dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** The real command, as an operator runs it. */
export function runCheck(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, "check", ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type Result = { id: string; status: string; detail: string; fix: string; file?: string; line?: number };

export function checkJson(args: string[]): { code: number | null; report: { ok: boolean; results: Result[] }; stderr: string } {
  const r = runCheck([...args, "--json"]);
  assert.ok(r.stdout.startsWith("{"), `no JSON on stdout (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as { ok: boolean; results: Result[] }, stderr: r.stderr };
}

export function statusMap(results: readonly Result[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, r.status]));
}
