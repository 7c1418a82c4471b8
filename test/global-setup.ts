// Global setup of `npm test`: one suite temp root that is every test process's TMPDIR, the retain-temp preload, and a
// teardown that removes the root only when every test and the final secret scan (test/zz-final) passed.
import { existsSync, globSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expectedPath, META_DIR, readLedger, ROOT_ENV, verdictPath } from "./zz-final/suite.ts";

const PRELOAD = pathToFileURL(resolve(import.meta.dirname, "zz-final", "retain-temp.ts")).href;

/** The test files this run will execute, in the order node runs them (sorted), from the runner's own arguments. */
function expectedTestFiles(): string[] {
  const files = new Set<string>();
  for (const arg of process.argv.slice(1)) {
    if (arg.startsWith("-")) continue;
    if (/[*?[{]/.test(arg)) {
      for (const f of globSync(arg, { exclude: (p: string) => /(^|\/)node_modules(\/|$)/.test(p) })) files.add(resolve(f));
    } else if (existsSync(arg) && statSync(arg).isFile()) files.add(resolve(arg));
  }
  return [...files].sort();
}

export async function globalSetup(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "otheru-suite-")));
  mkdirSync(join(root, META_DIR), { mode: 0o700 });
  writeFileSync(expectedPath(root), JSON.stringify(expectedTestFiles()));
  process.env[ROOT_ENV] = root;
  // Test processes inherit this environment: os.tmpdir() (mkdtemp) lands under the root, and the preload runs first.
  process.env["TMPDIR"] = root;
  process.env["NODE_OPTIONS"] = [process.env["NODE_OPTIONS"], `--import=${PRELOAD}`].filter(Boolean).join(" ");
}

export async function globalTeardown(): Promise<void> {
  const root = process.env[ROOT_ENV];
  if (root === undefined || !existsSync(root)) return;
  const scanned = existsSync(verdictPath(root));
  const crashed = readLedger(root).some((e) => e.event === "exit" && e.code !== 0);
  const failed = (process.exitCode !== undefined && process.exitCode !== 0) || crashed;
  if (failed) {
    process.stderr.write(`\nTest files failed: the suite temp root is kept for inspection: ${root}\n`);
    return;
  }
  if (!scanned) process.stderr.write(`\nThe secret scan (test/zz-final/secret-scan.test.ts) did not run in this suite; nothing was checked for leaked secrets.\n`);
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    process.stderr.write(`\nCould not remove the suite temp root ${root}: ${(err as Error).message}\n`);
  }
}
