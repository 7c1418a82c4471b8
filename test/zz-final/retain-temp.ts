// Preload for every process of the suite (NODE_OPTIONS --import, set by test/global-setup.ts): records which test file
// ran and how it exited, and moves a temp dir a test removes recursively (a direct child of the suite root) aside
// instead of deleting it, so the final secret scan still reads the audit, log and memory files written in it.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isTestFile, type LedgerEvent, ledgerPath, PRELOAD_FLAG, RETIRED_DIR, ROOT_ENV } from "./suite.ts";

const root = process.env[ROOT_ENV];
const state = globalThis as { [PRELOAD_FLAG]?: true };

if (root !== undefined && state[PRELOAD_FLAG] === undefined) {
  state[PRELOAD_FLAG] = true;
  const ledger = ledgerPath(root);
  const note = (e: LedgerEvent) => {
    try {
      fs.appendFileSync(ledger, `${JSON.stringify(e)}\n`);
    } catch {
      // the root is gone (teardown ran): nothing left to record into
    }
  };
  const file = process.argv[1];
  if (isTestFile(file)) {
    note({ event: "start", file, pid: process.pid });
    process.on("exit", (code) => note({ event: "exit", file, pid: process.pid, code }));
  }

  const rmSync = fs.rmSync;
  const rm = fs.rm;
  const rmPromise = fs.promises.rm;
  let seq = 0;

  /** True when `target` was a temp dir directly under the root and is now under <root>/.retired. */
  const retire = (target: unknown, options: unknown): boolean => {
    const path = typeof target === "string" ? target : target instanceof URL ? fileURLToPath(target) : Buffer.isBuffer(target) ? target.toString() : undefined;
    if (path === undefined || typeof options !== "object" || options === null || (options as { recursive?: unknown }).recursive !== true) return false;
    const abs = resolve(path);
    if (dirname(abs) !== root || basename(abs).startsWith(".")) return false;
    try {
      if (!fs.lstatSync(abs).isDirectory()) return false;
      const to = join(root, RETIRED_DIR, `${basename(abs)}.${process.pid}.${++seq}`);
      fs.mkdirSync(dirname(to), { recursive: true });
      fs.renameSync(abs, to);
      note({ event: "retired", from: basename(abs), to: relative(root, to), pid: process.pid });
      return true;
    } catch {
      return false; // let the real rm decide (and report) what happens
    }
  };

  fs.rmSync = ((path: fs.PathLike, options?: fs.RmOptions) => {
    if (!retire(path, options)) rmSync(path, options);
  }) as typeof fs.rmSync;
  fs.rm = ((path: fs.PathLike, options: fs.RmOptions | fs.NoParamCallback, callback?: fs.NoParamCallback) => {
    const cb = typeof options === "function" ? options : callback;
    if (typeof options !== "function" && cb !== undefined && retire(path, options)) process.nextTick(cb, null);
    else (rm as (...a: unknown[]) => void)(path, options, callback);
  }) as typeof fs.rm;
  fs.promises.rm = (async (path: fs.PathLike, options?: fs.RmOptions) => {
    if (!retire(path, options)) await rmPromise(path, options);
  }) as typeof fs.promises.rm;
  // Named imports (`import { rmSync } from "node:fs"`, `import { rm } from "node:fs/promises"`) see the patch too.
  syncBuiltinESMExports();
}
