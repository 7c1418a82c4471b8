// Bookkeeping of the suite-wide temp root, shared by test/global-setup.ts, the retain-temp preload and the final scan.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Set by the global setup for every test process: the suite root (also their TMPDIR). */
export const ROOT_ENV = "OTHERU_SUITE_ROOT";
/** The suite's own files under the root: ledger, expected file list, scan verdict. */
export const META_DIR = ".suite";
/** Temp dirs tests removed, moved here so the final scan still sees what they wrote. */
export const RETIRED_DIR = ".retired";
/** Set on globalThis by the preload once it patched fs in a process. */
export const PRELOAD_FLAG = Symbol.for("otheru-coordinator.retain-temp");

export const ledgerPath = (root: string): string => join(root, META_DIR, "ledger.jsonl");
export const expectedPath = (root: string): string => join(root, META_DIR, "expected.json");
export const verdictPath = (root: string): string => join(root, META_DIR, "scan-passed");

export type LedgerEvent =
  | { event: "start"; file: string; pid: number }
  | { event: "exit"; file: string; pid: number; code: number }
  | { event: "retired"; from: string; to: string; pid: number };

export function isTestFile(path: string | undefined): path is string {
  return path !== undefined && /\.test\.[cm]?[jt]s$/.test(path);
}

export function readLedger(root: string): LedgerEvent[] {
  let text: string;
  try {
    text = readFileSync(ledgerPath(root), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LedgerEvent);
}
