// --live against real listeners this test opens: one on 0.0.0.0, one on 127.0.0.1 (no traffic is sent to either).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runChecks } from "../../src/hardening/check.ts";
import { runCheck } from "./deploy.ts";

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => resolve(s));
  });
}

const portOf = (s: Server) => (s.address() as AddressInfo).port;

let wildcard: Server;
let loopback: Server;
let dir: string;

before(async () => {
  wildcard = await listen("0.0.0.0");
  loopback = await listen("127.0.0.1");
  dir = mkdtempSync(join(tmpdir(), "oc-live-"));
});

after(async () => {
  await Promise.all([wildcard, loopback].map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dir, { recursive: true, force: true });
});

const portsItem = (options: Parameters<typeof runChecks>[0]) => runChecks(options).results.find((r) => r.id === "ports.loopback");

describe("check --live", () => {
  test("compose says 127.0.0.1 for both ports; the socket actually on 0.0.0.0 is flagged, the loopback one is not", () => {
    const d = join(dir, "both");
    writeCompose(d, [portOf(wildcard), portOf(loopback)]);
    assert.equal(portsItem({ deployment: d, env: {} })?.status, "pass");
    const live = portsItem({ deployment: d, env: {}, live: true });
    assert.equal(live?.status, "fail");
    assert.equal(live?.detail, `live: tcp 0.0.0.0:${portOf(wildcard)} is listening on a non-loopback address`);
  });

  test("only the loopback listener in the deployment: pass", () => {
    const d = join(dir, "loopback-only");
    writeCompose(d, [portOf(loopback)]);
    const live = portsItem({ deployment: d, env: {}, live: true });
    assert.equal(live?.status, "pass");
    assert.match(live?.detail ?? "", /; live \(\/proc\/net\/\{tcp,tcp6,udp,udp6\}\): no listener on the deployment's 1 ports is off loopback$/);
  });

  test("the command: --live --port names ports outside any compose file; exit 1", () => {
    const d = join(dir, "host");
    writeCompose(d, []);
    const cfg = join(dir, "openclaw.json");
    writeFileSync(cfg, JSON.stringify({ gateway: { port: portOf(loopback), bind: "loopback" } }));
    const r = runCheck(["--deployment", d, "--openclaw-config", cfg, "--live", "--port", String(portOf(wildcard)), "--port", String(portOf(loopback)), "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const item = (JSON.parse(r.stdout) as { results: { id: string; status: string; detail: string }[] }).results.find((x) => x.id === "ports.loopback");
    assert.equal(item?.status, "fail");
    assert.equal(item?.detail, `live: tcp 0.0.0.0:${portOf(wildcard)} is listening on a non-loopback address`);
  });

  test("a deployment dir that does not exist is a usage error (exit 2)", () => {
    const r = runCheck(["--deployment", join(dir, "missing")]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `otheru-coordinator: --deployment ${join(dir, "missing")}: no such directory; give the folder holding docker-compose.yml (e.g. manifests/)\n`);
  });

  test("--port without --live is a usage error (exit 2)", () => {
    const r = runCheck(["--deployment", dir, "--port", "80"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "otheru-coordinator: --port only applies with --live\n");
  });
});

function writeCompose(d: string, ports: number[]): void {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  const lines = ["services:", "  app:", "    image: example/app:1", ...(ports.length > 0 ? ["    ports:", ...ports.map((p) => `      - "127.0.0.1:${p}:8080"`)] : []), ""];
  writeFileSync(join(d, "docker-compose.yml"), lines.join("\n"));
}
