import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAuditLog } from "../../src/audit/log.ts";
import type { AuditRecord } from "../../src/audit/record.ts";
import { readFiltered } from "../../src/audit/show.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createGate } from "../../src/gate/gate.ts";
import { fixedLayout } from "../helpers.ts";

const root = mkdtempSync(join(tmpdir(), "oc-audit-lock-"));
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = () => join(root, `d${++n}`);
const holderScript = fileURLToPath(new URL("./lock-holder.ts", import.meta.url));
const opts = (dir: string) => ({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
const records = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l) as AuditRecord);

/** A child process holding `dir`'s lock until its stdin closes. */
async function holdLock(dir: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [holderScript, dir, "hold"], { stdio: "pipe" });
  children.push(child);
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`holder did not start: ${out}`)), 20_000);
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready\n")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`holder exited: ${out}`)));
  });
  return child;
}

/** A pid that certainly belonged to a process on this host and is now gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("audit dir lock: one writer per directory", () => {
  test("a second process is refused while the first holds the lock, naming it; the gate blocks high-stakes calls", { timeout: 60_000 }, async () => {
    const dir = fresh();
    const child = await holdLock(dir);
    const lock = JSON.parse(readFileSync(join(dir, ".lock"), "utf8")) as { pid: number; host: string };
    assert.deepEqual([lock.pid, lock.host], [child.pid, hostname()]);

    const log = createAuditLog(opts(dir));
    await assert.rejects(log.append({ kind: "admin", action: "second" }), new RegExp(`being written by another coordinator \\(pid ${child.pid} on ${hostname()}`));
    assert.equal(log.status().ok, false);
    assert.match(log.status().error ?? "", /two writers would fork the hash chain/);

    const cfg = parseConfig({}, {});
    assert.ok(cfg.ok);
    const gate = createGate(cfg.value, fixedLayout({ stateDir: root }), { audit: { dir } });
    const exec = await gate.decide({ tool: "exec", params: { command: "ls" }, sessionKey: "agent:main:main" });
    assert.deepEqual([exec.decision.kind, exec.decision.ruleIds], ["block", ["audit.unavailable"]]);

    // The holder releases on close: the waiting log gets the directory on its next append.
    child.stdin.end();
    await new Promise((r) => child.on("exit", r));
    assert.equal(existsSync(join(dir, ".lock")), false, "released on close");
    const rec = await log.append({ kind: "admin", action: "second" });
    assert.equal(rec.seq, 2);
    assert.equal(log.status().ok, true);
    await log.close();
    await gate.audit?.close();
    assert.ok((await verifyAuditDir(dir)).ok);
  });

  test("a lock left by a killed process is taken over and the takeover recorded", { timeout: 60_000 }, async () => {
    const dir = fresh();
    const child = await holdLock(dir);
    const pid = child.pid as number;
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    assert.ok(existsSync(join(dir, ".lock")), "a killed holder leaves its lock behind");
    const log = createAuditLog(opts(dir));
    await log.append({ kind: "admin", action: "after-crash" });
    await log.close();
    const recs = records(dir);
    const takeover = recs.find((r) => r.kind === "recovery");
    assert.equal((takeover?.staleLock as { pid: number } | undefined)?.pid, pid);
    assert.deepEqual(
      recs.map((r) => r.kind),
      ["admin", "recovery", "admin"],
    );
    assert.ok((await verifyAuditDir(dir)).ok);
  });

  test("a stale lock from a dead pid on this host is taken over; one from another host is refused", async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const pid = deadPid();
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid, host: hostname(), started: "2026-01-01T00:00:00.000Z", instance: "gone" }));
    const log = createAuditLog(opts(dir));
    await log.append({ kind: "admin", action: "x" });
    await log.close();
    assert.deepEqual(
      records(dir).map((r) => [r.kind, (r.staleLock as { pid?: number } | undefined)?.pid]),
      [
        ["recovery", pid],
        ["admin", undefined],
      ],
    );
    assert.equal(existsSync(join(dir, ".lock")), false);

    const other = fresh();
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, ".lock"), JSON.stringify({ pid, host: "elsewhere.example", started: "2026-01-01T00:00:00.000Z", instance: "far" }));
    const refused = createAuditLog(opts(other));
    await assert.rejects(refused.append({ kind: "admin" }), /pid \d+ on elsewhere\.example.*cannot be checked from/);
    writeFileSync(join(other, ".lock"), "not json");
    await assert.rejects(refused.append({ kind: "admin" }), /\.lock exists but does not name its holder/);
  });

  test("the lock is released on close: another process can then write", { timeout: 60_000 }, async () => {
    const dir = fresh();
    const log = createAuditLog(opts(dir));
    await log.append({ kind: "admin", action: "first" });
    const refused = spawnSync(process.execPath, [holderScript, dir], { encoding: "utf8" });
    assert.equal(refused.status, 2, refused.stdout);
    assert.match(refused.stdout, new RegExp(`^refused .*pid ${process.pid} on`));
    await log.close();
    assert.equal(existsSync(join(dir, ".lock")), false);
    const ok = spawnSync(process.execPath, [holderScript, dir], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout.trim(), "appended 2");
    assert.ok((await verifyAuditDir(dir)).ok);
  });

  test("handles on one directory in one process share a writer (also through another path to it)", async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const alias = join(root, `alias${n}`);
    symlinkSync(dir, alias);
    const a = createAuditLog(opts(dir));
    const b = createAuditLog(opts(alias));
    const got = await Promise.all([a.append({ kind: "admin", i: 1 }), b.append({ kind: "admin", i: 2 }), a.append({ kind: "admin", i: 3 }), b.append({ kind: "admin", i: 4 })]);
    assert.deepEqual(
      got.map((r) => r.seq),
      [1, 2, 3, 4],
    );
    await a.close();
    assert.ok(existsSync(join(dir, ".lock")), "still held for the other handle");
    assert.equal((await b.append({ kind: "admin", i: 5 })).seq, 5);
    await b.close();
    assert.equal(existsSync(join(dir, ".lock")), false);
    assert.deepEqual(
      records(dir).map((r) => r.i),
      [1, 2, 3, 4, 5],
    );
  });

  test("verify, show and tail ignore the lock file", { timeout: 60_000 }, async () => {
    const dir = fresh();
    const child = await holdLock(dir);
    const v = await verifyAuditDir(dir);
    assert.deepEqual([v.ok, v.records, v.files], [true, 1, 1]);
    assert.deepEqual(
      (await readFiltered(dir, {})).map((r) => r.action),
      ["hold"],
    );
    child.stdin.end();
    await new Promise((r) => child.on("exit", r));
  });
});
