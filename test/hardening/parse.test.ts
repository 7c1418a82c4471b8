// The pure parsers behind check: compose ports and interpolation, Caddyfiles, /proc/net, secret shapes, monitors.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { examineCaddyfile, parseCaddyfile } from "../../src/hardening/caddy.ts";
import { parseCompose } from "../../src/hardening/compose.ts";
import { lineOfKey } from "../../src/hardening/deployment.ts";
import { interpolate } from "../../src/hardening/interpolate.ts";
import { examineListeners, parseProcNet, parseSs } from "../../src/hardening/live.ts";
import { parseMonitors } from "../../src/hardening/monitoring.ts";
import { examinePorts, isLoopbackAddress, parsePort } from "../../src/hardening/ports.ts";
import { isPlaceholder, isScannable, scanText } from "../../src/hardening/secrets.ts";
import { resultOf } from "../../src/hardening/types.ts";
import { FAKE } from "./deploy.ts";

describe("compose ports", () => {
  const cases: [unknown, { hostIp: string; hostPort: string; containerPort: string; protocol: string }][] = [
    ["127.0.0.1:8080:80", { hostIp: "127.0.0.1", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    ["8080:80", { hostIp: "", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    ["3000", { hostIp: "", hostPort: "", containerPort: "3000", protocol: "tcp" }],
    [3000, { hostIp: "", hostPort: "", containerPort: "3000", protocol: "tcp" }],
    ["0.0.0.0:53:53/udp", { hostIp: "0.0.0.0", hostPort: "53", containerPort: "53", protocol: "udp" }],
    ["127.0.0.1:5000-5010:5000-5010", { hostIp: "127.0.0.1", hostPort: "5000-5010", containerPort: "5000-5010", protocol: "tcp" }],
    ["[::1]:8080:80", { hostIp: "::1", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    ["[::]:8080:80", { hostIp: "::", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    ["::1:8080:80", { hostIp: "::1", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    [{ target: 80, published: 8080, host_ip: "127.0.0.1" }, { hostIp: "127.0.0.1", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    [{ target: 80, published: "8080" }, { hostIp: "", hostPort: "8080", containerPort: "80", protocol: "tcp" }],
    [{ target: 53, published: 53, host_ip: "[::1]", protocol: "udp" }, { hostIp: "::1", hostPort: "53", containerPort: "53", protocol: "udp" }],
  ];
  for (const [raw, expected] of cases) {
    test(`parses ${JSON.stringify(raw)}`, () => assert.deepEqual(parsePort(raw), { ok: true, value: expected }));
  }

  test("loopback means 127.0.0.0/8, ::1 and IPv4-mapped loopback; nothing else", () => {
    const table: [string, boolean][] = [
      ["127.0.0.1", true],
      ["127.1.2.3", true],
      ["::1", true],
      ["[::1]", true],
      ["::ffff:127.0.0.1", true],
      ["", false],
      ["0.0.0.0", false],
      ["::", false],
      ["192.168.1.10", false],
      ["localhost", false],
      ["::ffff:10.0.0.1", false],
    ];
    assert.deepEqual(table.map(([a]) => [a, isLoopbackAddress(a)]), table);
  });

  test("a compose file with short and long syntax, IPv6 and ${VAR}: line numbers of every objection", () => {
    const text = [
      "services:", // 1
      "  app:", // 2
      "    image: example/app:1", // 3
      "    ports:", // 4
      '      - "${BIND:-127.0.0.1}:8080:80"', // 5
      '      - "${PUBLIC_BIND}:8443:443"', // 6
      "      - target: 9000", // 7
      "        published: 9000", // 8
      '      - "[::]:9001:9001"', // 9
      '      - "[::1]:9002:9002"', // 10
      "  host-net:", // 11
      "    image: example/tool:1", // 12
      "    network_mode: host", // 13
      "  proxy:", // 14
      "    image: caddy:2.10-alpine", // 15
      '    ports: ["80:80", "443:443", "2019:2019"]', // 16
      "",
    ].join("\n");
    const parsed = parseCompose(text, "/d/compose.yaml", "/d", { PUBLIC_BIND: "0.0.0.0" });
    assert.ok(parsed.ok);
    const facts = examinePorts([{ file: parsed.value, rel: "compose.yaml" }]);
    assert.deepEqual(
      facts.findings.map((f) => `${f.file}:${f.line}: ${f.message}`),
      [
        "compose.yaml:6: service app publishes 8443->443/tcp on 0.0.0.0 (every IPv4 interface)",
        "compose.yaml:7: service app publishes 9000->9000/tcp on every interface (no host address)",
        "compose.yaml:9: service app publishes 9001->9001/tcp on [::] (every interface, IPv6 wildcard)",
        "compose.yaml:13: service host-net uses network_mode: host, so whatever it listens on is on every host interface",
        "compose.yaml:16: service proxy publishes 2019->2019/tcp on every interface (no host address)",
      ],
    );
    assert.deepEqual(facts.publicProxyPorts.map((p) => `${p.hostPort}->${p.containerPort}`), ["80->80", "443->443"]);
  });

  test("YAML errors name the line", () => {
    const r = parseCompose("services:\n  app:\n    image: x\n   bad: [\n", "/d/compose.yaml", "/d", {});
    assert.equal(r.ok, false);
    assert.equal(r.ok ? undefined : r.line, 4);
  });
});

describe("interpolation (compose rules)", () => {
  const vars = { A: "a", EMPTY: "" };
  const table: [string, string][] = [
    ["${A}", "a"],
    ["$A-x", "a-x"],
    ["${UNSET}", ""],
    ["${UNSET:-127.0.0.1}", "127.0.0.1"],
    ["${EMPTY:-d}", "d"],
    ["${EMPTY-d}", ""],
    ["${A:+set}", "set"],
    ["${UNSET:+set}", ""],
    ["${A:?must be set}", "a"],
    ["$$A", "$A"],
    ["${UNSET:-${A}}", "a"],
  ];
  for (const [input, expected] of table) test(`${input} -> "${expected}"`, () => assert.equal(interpolate(input, vars), expected));
});

describe("Caddyfile", () => {
  const examine = (text: string, vars: Record<string, string> = {}) =>
    examineCaddyfile(parseCaddyfile(text, vars), "Caddyfile").findings.map((f) => `${f.severity} ${f.line}: ${f.message}`);
  const HSTS = '\theader Strict-Transport-Security "max-age=31536000"\n';

  test("a domain site with HSTS passes: automatic HTTPS terminates TLS and redirects", () => {
    assert.deepEqual(examine(`{$DOMAIN} {\n${HSTS}\treverse_proxy app:80\n}\n`, { DOMAIN: "a.example.com" }), []);
    const r = examineCaddyfile(parseCaddyfile(`{$DOMAIN} {\n${HSTS}}\n`, { DOMAIN: "a.example.com" }), "Caddyfile");
    assert.deepEqual(r.publicSites, [{ url: "https://a.example.com", host: "a.example.com", file: "Caddyfile", line: 1 }]);
  });

  test("a single site without braces", () => {
    assert.deepEqual(examine(`a.example.com\n${HSTS}reverse_proxy app:80\n`), []);
  });

  test("plain HTTP, auto_https off, an exposed admin API, a bare port without TLS, missing HSTS", () => {
    assert.deepEqual(examine("http://a.example.com {\n\treverse_proxy app:80\n}\n"), ["fail 1: site http://a.example.com serves plain HTTP instead of redirecting to HTTPS"]);
    assert.deepEqual(examine(`{\n\tauto_https off\n\tadmin 0.0.0.0:2019\n}\na.example.com {\n${HSTS}}\n`), [
      "fail 2: auto_https off: Caddy neither gets certificates nor redirects HTTP",
      "fail 3: admin 0.0.0.0:2019: the admin API listens beyond localhost",
      "fail 5: HTTPS site a.example.com has no HTTP->HTTPS redirect (auto_https off; add an http:// site with redir https://{host}{uri})",
    ]);
    assert.deepEqual(examine(":8443 {\n\treverse_proxy app:80\n}\n"), ["fail 1: site :8443 has no TLS (no host name for automatic HTTPS and no tls directive)"]);
    assert.deepEqual(examine("a.example.com {\n\treverse_proxy app:80\n}\n"), ["warn 1: site a.example.com sends no Strict-Transport-Security header"]);
  });

  test("an explicit redirect site makes auto_https disable_redirects acceptable", () => {
    const text = `{\n\tauto_https disable_redirects\n}\nhttp://a.example.com {\n\tredir https://{host}{uri} permanent\n}\nhttps://a.example.com {\n${HSTS}}\n`;
    assert.deepEqual(examine(text), []);
  });
});

describe("/proc/net and ss", () => {
  const tcp = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0",
    "   1: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0",
    "   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0",
  ].join("\n");
  const tcp6 = [
    "  sl  local_address                         remote_address                        st",
    "   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0",
    "   1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0",
    "   2: 0000000000000000FFFF00000100007F:0051 00000000000000000000000000000000:0000 0A 0",
  ].join("\n");

  test("LISTEN sockets with their addresses (little-endian words)", () => {
    assert.deepEqual(parseProcNet(tcp, "tcp", false), [
      { protocol: "tcp", address: "127.0.0.1", port: 8080 },
      { protocol: "tcp", address: "0.0.0.0", port: 3000 },
    ]);
    assert.deepEqual(parseProcNet(tcp6, "tcp", true), [
      { protocol: "tcp", address: "::1", port: 80 },
      { protocol: "tcp", address: "::", port: 443 },
      { protocol: "tcp", address: "::ffff:127.0.0.1", port: 81 },
    ]);
  });

  test("ss output", () => {
    const text = "tcp   LISTEN 0      511        0.0.0.0:3000      0.0.0.0:*\ntcp   LISTEN 0      511          [::1]:80           [::]:*\nudp   UNCONN 0      0                *:5353            *:*\n";
    assert.deepEqual(parseSs(text), [
      { protocol: "tcp", address: "0.0.0.0", port: 3000 },
      { protocol: "tcp", address: "::1", port: 80 },
      { protocol: "udp", address: "::", port: 5353 },
    ]);
  });

  test("only the deployment's ports count; the proxy's public ports are allowed", () => {
    const listeners = [...parseProcNet(tcp, "tcp", false), ...parseProcNet(tcp6, "tcp", true)];
    const ports = [3000, 8080, 80, 443, 81].map((port) => ({ port, protocol: "tcp" }));
    assert.deepEqual(examineListeners(listeners, ports, new Set(["tcp/443"])).map((f) => f.message), ["live: tcp 0.0.0.0:3000 is listening on a non-loopback address"]);
    assert.deepEqual(examineListeners(listeners, [{ port: 9999, protocol: "tcp" }], new Set()), []);
  });
});

describe("secret shapes", () => {
  test("every detector, by line, and never the value", () => {
    const text = [
      `telegram = "${FAKE.telegram}"`,
      `discord: ${FAKE.discord}`,
      `OPENAI=${FAKE.openai}`,
      `gh: "${FAKE.github}"`,
      `aws_key_id: ${FAKE.aws}`,
      `slack: ${FAKE.slack}`,
      FAKE.pem,
      'password: "hunter2-but-longer"',
      'apiKey: "${OPENAI_API_KEY}"',
      "token: ${TOKEN}",
      'secret: "replace-with-a-secret"',
      "tokenFile: /run/secrets/bot",
      'redisUrl: "redis://redis:6379"',
    ].join("\n");
    assert.deepEqual(scanText(text), [
      { kind: "Telegram bot token", line: 1, length: 45 },
      { kind: "Discord bot token", line: 2, length: 59 },
      { kind: "OpenAI API key", line: 3, length: 33 },
      { kind: "GitHub token", line: 4, length: 40 },
      { kind: "AWS access key id", line: 5, length: 20 },
      { kind: "Slack token", line: 6, length: 22 },
      { kind: "private key", line: 7, length: 27 },
      { kind: "literal value of password", line: 8, length: 18 },
    ]);
  });

  test("program code: an unquoted value is an expression, a quoted one a literal", () => {
    assert.deepEqual(scanText("const apiKey = config.apiKey;\nconst token = 'abcdefgh12345678';\n", true), [{ kind: "literal value of token", line: 2, length: 16 }]);
  });

  test("placeholders and which files are scanned", () => {
    for (const p of ["${X}", "$X", "${X:-y}", "{$X}", "process.env.X", "<your token>", "replace-with-x", "short", "$(openssl rand -hex 32)"]) assert.equal(isPlaceholder(p), true, p);
    assert.equal(isPlaceholder("a8f5f167f44f4964e6c998dee827110c"), false);
    const names: [string, boolean][] = [[".env", false], [".env.production", false], [".env.example", true], ["openclaw.json", true], ["Caddyfile", true], ["notify.ts", true], ["README.md", false], ["audit.key", false]];
    assert.deepEqual(names.map(([n]) => [n, isScannable(n)]), names);
  });
});

describe("monitors and JSON lines", () => {
  test("Uptime Kuma monitorList: active HTTP monitors with ${VAR} resolved", () => {
    const text = JSON.stringify({ monitorList: [{ name: "a", type: "http", url: "https://${D}/health", active: true }, { name: "b", type: "http", url: "https://off.example.com", active: false }, { name: "c", type: "port", hostname: "${D}", port: 443 }] }, null, 2);
    const r = parseMonitors(text, { D: "x.example.com" });
    assert.ok(r.ok);
    assert.deepEqual(r.monitors.map((m) => [m.name, m.host, m.port, m.line]), [["a", "x.example.com", "", 4], ["c", "x.example.com", "443", 16]]);
  });

  test("lineOfKey follows the key path", () => {
    const text = '{\n  "hooks": {\n    "token": "x"\n  },\n  "gateway": {\n    "auth": {\n      "token": "y"\n    }\n  }\n}\n';
    assert.equal(lineOfKey(text, ["gateway", "auth", "token"]), 7);
    assert.equal(lineOfKey(text, ["hooks", "token"]), 3);
    assert.equal(lineOfKey(text, ["missing"]), undefined);
  });
});

test("a result lists ten findings and counts the rest; fail beats warn; the first failure names file and line", () => {
  const findings = Array.from({ length: 12 }, (_, i) => ({ severity: "fail" as const, file: "f.yml", line: i + 1, message: `m${i + 1}` }));
  const r = resultOf("x", [{ severity: "warn", message: "w" }, ...findings], "ok", "fix it");
  assert.deepEqual(r, {
    id: "x",
    status: "fail",
    detail: "f.yml:1: m1; f.yml:2: m2; f.yml:3: m3; f.yml:4: m4; f.yml:5: m5; f.yml:6: m6; f.yml:7: m7; f.yml:8: m8; f.yml:9: m9; f.yml:10: m10; and 2 more",
    fix: "fix it",
    file: "f.yml",
    line: 1,
  });
  assert.deepEqual(resultOf("x", [{ severity: "warn", message: "w" }], "ok", "fix it"), { id: "x", status: "warn", detail: "w", fix: "fix it" });
  assert.deepEqual(resultOf("x", [], "ok", "fix it"), { id: "x", status: "pass", detail: "ok", fix: "" });
});
