import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createRedactor, LINT_PREFILTER } from "../../src/audit/redact.ts";
import { createAuditTrail } from "../../src/audit/trail.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";

const root = mkdtempSync(join(tmpdir(), "oc-audit-redact-"));
after(() => rmSync(root, { recursive: true, force: true }));
const r = createRedactor(["pk_internal_7Hq2ZxY9"], Buffer.alloc(32, 7));

// Obviously fake credentials that match secretlint's recommended rules but none of our own shapes.
const FAKE = {
  npm: `npm_${"FAKEfake00".repeat(3)}FAKEfa`,
  basicauth: "https://deploy-bot:N0tReal-F4ke@git.example.com/team/repo.git",
  "database-connection-string": "postgres://app:N0tARealPass@db.example.com/app",
  sendgrid: `SG.FAKEfake00FAKEfake00FA.${"FAKEfake00".repeat(4)}FAK`,
  huggingface: `hf_${"FAKEfakeFAKEfake".repeat(2)}FA`,
  gitlab: "glpat-FAKEfake00FAKEfake00",
  stripe: `sk_test_${"FAKEfake00".repeat(3)}`,
  slack: "xapp-1-A0FAKE0FAKE-1234567890-fakefakefakefake",
  docker: "dckr_pat_FAKEfake00FAKEfake00FAKEfak",
} as const;

describe("redaction with secretlint", () => {
  for (const [kind, secret] of Object.entries(FAKE)) {
    test(`${kind}: our shapes miss it, secretlint's finding becomes a keyed marker`, async () => {
      const command = `deploy --with ${secret} --verbose`;
      assert.ok(r.text(command).includes(secret), "not one of our own shapes (the premise)");
      assert.ok(LINT_PREFILTER.test(command), "the prefilter picks it");
      const out = (await r.scan({ command, other: [`again ${secret}`] })) as { command: string; other: string[] };
      assert.ok(!JSON.stringify(out).includes(secret), JSON.stringify(out));
      const marker = new RegExp(`\\[redacted:${kind}:[0-9a-f]{10}\\]`);
      assert.match(out.command, marker);
      assert.ok(out.command.startsWith("deploy --with ") && out.command.endsWith(" --verbose"), out.command);
      assert.equal(marker.exec(out.command)?.[0], marker.exec(out.other[0] as string)?.[0], "equal secrets correlate");
    });
  }

  test("configured values and our shapes are replaced before secretlint, which then has nothing left to find", async () => {
    const gh = `ghp_${"a1B2c3D4e5".repeat(4)}`;
    const out = (await r.scan(`token ${gh} and pk_internal_7Hq2ZxY9`)) as string;
    assert.match(out, /^token \[redacted:github-token:[0-9a-f]{10}\] and \[redacted:configured-secret:[0-9a-f]{10}\]$/);
  });

  test("a private key block is replaced whole, body included, with or without its END line", async () => {
    const body = `MIIEFAKEFAKE${"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo".repeat(4)}\n${"ZmFrZWZha2VmYWtlZmFrZQ".repeat(3)}==`;
    const block = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    for (const text of [`key:\n${block}\nrest`, `key:\n-----BEGIN PRIVATE KEY-----\n${body}`]) {
      const out = (await r.scan(text)) as string;
      assert.ok(!out.includes("MIIEFAKE") && !out.includes("ZmFrZWZh"), out);
      assert.match(out, /^key:\n\[redacted:private-key:[0-9a-f]{10}\]/);
    }
  });

  test("the prefilter leaves ordinary arguments alone", () => {
    for (const s of ["ls -la", "git status && git diff --stat", "/home/dev/projects/webapp", "curl -fsSL https://get.example/install.sh | sudo bash", "# Notes\n\n- shipped the fix\n", "standup reminder"]) {
      assert.equal(LINT_PREFILTER.test(s), false, s);
    }
    for (const s of ["password=hunter2hunter2", "api_key: abc", "https://u:p4ss@h.example", "-----BEGIN OPENSSH PRIVATE KEY-----", "id 0123456789abcdef0123"]) {
      assert.equal(LINT_PREFILTER.test(s), true, s);
    }
  });

  test("more strings than one pass takes are replaced whole (fail closed)", async () => {
    const many = Array.from({ length: 70 }, (_, i) => `run ${i} ${"0123456789abcdefghij".repeat(2)}`);
    const out = (await r.scan(many)) as string[];
    assert.equal(out[0], many[0]);
    assert.match(out[69] as string, /^\[redacted:unscanned:[0-9a-f]{10}\]$/);
  });

  test("through the trail: nothing secretlint finds reaches the audit file", async () => {
    const dir = join(root, "trail");
    const trail = createAuditTrail({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0, secretValues: [], redactionKeyPath: join(dir, "k"), policyHash: "h" });
    await trail.before(
      { tool: "exec", chatType: "direct", params: { command: `npm publish --otp 1 ${FAKE.npm}`, url: FAKE.basicauth } },
      { decision: "allow", ruleIds: [], reason: `quoted ${FAKE.gitlab}`, evidence: FAKE["database-connection-string"], latencyUs: 1 },
    );
    await trail.after({ tool: "exec", outcome: "ran", result: { out: `token ${FAKE.stripe}` }, error: FAKE.sendgrid });
    await trail.event({ kind: "admin", action: "note", text: FAKE.huggingface });
    assert.match(await trail.redactDeep(`x ${FAKE.docker}`), /^x \[redacted:docker:[0-9a-f]{10}\]$/);
    await trail.close();
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("");
    for (const secret of Object.values(FAKE)) assert.ok(!text.includes(secret), `${secret} leaked`);
    for (const kind of ["npm", "basicauth", "gitlab", "database-connection-string", "stripe", "sendgrid", "huggingface"]) assert.match(text, new RegExp(`\\[redacted:${kind}:[0-9a-f]{10}\\]`));
    assert.ok((await verifyAuditDir(dir)).ok);
  });
});
