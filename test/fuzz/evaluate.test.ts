// Fuzzing the evaluate line reader: for N non-blank input lines (garbage, JSON non-objects, objects without a
// tool, \r, BOMs, invalid UTF-8, any chunking) exactly N JSON lines come out, in order; garbage is input.invalid.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { runEvaluate } from "../../src/cli/evaluate.ts";
import { gateFor } from "../helpers.ts";
import { params, withinDeadline } from "./support.ts";

const gate = gateFor({ defaultAction: "allow", highStakesAction: "allow" });
const BIN = fileURLToPath(new URL("../../plugin/bin/otheru-coordinator.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "otheru-fuzz-evaluate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

type Out = { id: unknown; decision: string; ruleIds: string[]; reason: string; latencyUs: number };

async function evaluate(chunks: readonly Buffer[]): Promise<{ lines: number; out: Out[] }> {
  const output = new PassThrough();
  const parts: Buffer[] = [];
  output.on("data", (c: Buffer) => parts.push(c));
  const { lines } = await runEvaluate(gate, Readable.from(chunks), output);
  const text = Buffer.concat(parts).toString("utf8");
  assert.ok(text === "" || text.endsWith("\n"), "every output line ends with a newline");
  return { lines, out: text === "" ? [] : text.slice(0, -1).split("\n").map((l) => JSON.parse(l) as Out) };
}

/** One input line and what must come back for it: "skip" (blank), "invalid", or the id of a case that is decided. */
type Line = { bytes: Buffer; expect: "skip" | "invalid" | { id: number } };

const utf8 = (s: string) => Buffer.from(s, "utf8");
/** The object as JSON with a \r between its members (JSON whitespace): still one valid line. */
const withCr = (o: Record<string, unknown>) =>
  `{${Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(",\r")}}`;

const blank = fc.constantFrom("", " ", "\t", " \t ", "\r", "\u00a0", "\uFEFF", "\u2028").map((s): Line => ({ bytes: utf8(s), expect: "skip" }));
const garbage = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 80 }).map((s) => `#${s}`),
    fc.string({ maxLength: 40 }).map((s) => `{${s}`),
    fc.constantFrom("not json", "{", "}", "[", '{"tool":', "undefined", "NaN", "{'tool':'exec'}", '{"tool":"exec",}'),
  )
  .map((s): Line => ({ bytes: utf8(s.replace(/\n/g, " ")), expect: "invalid" }));
/** Bytes that are not UTF-8 (decoded to U+FFFD): never JSON. */
const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b): Line => ({ bytes: Buffer.concat([Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(b.filter((x) => x !== 0x0a))]), expect: "invalid" }));
const bom = fc.constant<Line>({ bytes: utf8(`\uFEFF${JSON.stringify({ id: "bom", tool: "read", params: { path: "x" } })}`), expect: "invalid" });
const nonObject = fc
  .jsonValue({ maxDepth: 3 })
  .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
  .map((v): Line => ({ bytes: utf8(JSON.stringify(v)), expect: "invalid" }));
const noTool = fc
  .record({ id: fc.jsonValue({ maxDepth: 2 }), tool: fc.constantFrom(undefined, "", 5, null, ["exec"], { name: "exec" }), params: fc.jsonValue({ maxDepth: 2 }) })
  .map((o): Line => ({ bytes: utf8(JSON.stringify(o)), expect: "invalid" }));
/** A decided case; its id is filled in with its position so the order can be checked. */
const decided = fc
  .record({
    tool: fc.oneof(fc.constantFrom("exec", "read", "write", "message", "web_fetch", "process", "tool_call"), fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== "")),
    params: fc.oneof(fc.record({ command: fc.string({ unit: "binary", maxLength: 60 }) }), fc.record({ path: fc.string({ maxLength: 30 }) }), fc.jsonValue({ maxDepth: 3 })),
    sessionKey: fc.option(fc.constantFrom("agent:main:main", "agent:main:telegram:group:-100123", "garbage", ""), { nil: undefined }),
    senderIsOwner: fc.option(fc.boolean(), { nil: undefined }),
    cr: fc.boolean(),
  })
  .map(({ cr, ...c }) => (id: number): Line => {
    return { bytes: utf8(cr ? withCr({ id, ...c }) : JSON.stringify({ id, ...c })), expect: { id } };
  });

const anyLine = fc.oneof(
  { weight: 4, arbitrary: decided },
  { weight: 1, arbitrary: blank.map((l) => () => l) },
  { weight: 2, arbitrary: garbage.map((l) => () => l) },
  { weight: 1, arbitrary: invalidUtf8.map((l) => () => l) },
  { weight: 1, arbitrary: bom.map((l) => () => l) },
  { weight: 1, arbitrary: nonObject.map((l) => () => l) },
  { weight: 1, arbitrary: noTool.map((l) => () => l) },
);

const input = fc
  .record({
    lines: fc.array(anyLine, { maxLength: 25 }),
    crlf: fc.boolean(),
    trailingNewline: fc.boolean(),
    /** Where the byte stream is cut into chunks (inside UTF-8 sequences and between \r and \n too). */
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  })
  .map(({ lines, crlf, trailingNewline, cuts }) => {
    const built = lines.map((make, i) => make(i));
    const nl = utf8(crlf ? "\r\n" : "\n");
    const joined = Buffer.concat(built.flatMap((l, i) => (i < built.length - 1 || trailingNewline ? [l.bytes, nl] : [l.bytes])));
    const at = [...new Set(cuts.map((c) => (joined.length === 0 ? 0 : c % joined.length)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const c of [...at, joined.length]) {
      if (c > prev) chunks.push(joined.subarray(prev, c));
      prev = c;
    }
    return { built, chunks };
  });

function assertAnswers(built: readonly Line[], lines: number, out: readonly Out[]): void {
  const expected = built.filter((l) => l.expect !== "skip");
  assert.equal(lines, expected.length, "lines counted");
  assert.equal(out.length, expected.length, "one output line per non-blank input line");
  expected.forEach((l, i) => {
    const o = out[i] as Out;
    assert.ok(["allow", "block", "escalate"].includes(o.decision), `line ${i}: decision ${o.decision}`);
    assert.ok(Array.isArray(o.ruleIds) && o.ruleIds.length > 0 && typeof o.reason === "string" && typeof o.latencyUs === "number", `line ${i}: ${JSON.stringify(o)}`);
    assert.ok(!o.ruleIds.includes("engine.error"), `line ${i}: the engine threw: ${o.reason}`);
    if (l.expect === "invalid") assert.deepEqual([o.id, o.decision, o.ruleIds], [null, "block", ["input.invalid"]], `line ${i}: ${l.bytes.toString("utf8").slice(0, 80)}`);
    else assert.equal(o.id, (l.expect as { id: number }).id, `line ${i} answered out of order`);
  });
}

describe("fuzz: evaluate line reader", () => {
  test("N non-blank lines in any chunking -> N JSON lines in order; garbage is input.invalid", async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ built, chunks }) => {
        const { lines, out } = await withinDeadline("evaluate", () => evaluate(chunks));
        assertAnswers(built, lines, out);
      }),
      params(120, 0xe7a1),
    );
  });

  // Found by the property above; fixed in src/cli/evaluate.ts.
  test("a lone \\r is JSON whitespace inside a line, not a line break", async () => {
    const { out } = await evaluate([utf8('{"id":"a","tool":"read",\r"params":{"path":"x"}}\n{"id":"b",\r"tool":"read"}\r\n')]);
    assert.deepEqual(
      out.map((o) => [o.id, o.decision, o.ruleIds]),
      [
        ["a", "allow", ["policy.default"]],
        ["b", "allow", ["policy.default"]],
      ],
    );
  });

  test("an id too deeply nested to echo comes back as null, with the decision", async () => {
    const { out } = await evaluate([utf8(`{"id":${"[".repeat(100_000)}${"]".repeat(100_000)},"tool":"read","params":{"path":"x"}}\n`)]);
    assert.deepEqual(
      out.map((o) => [o.id, o.decision, o.ruleIds]),
      [[null, "allow", ["policy.default"]]],
    );
  });

  test("huge lines: a 1 MB command is decided on in full, a 5 MB garbage line is input.invalid, a 1 MB path is decided", async () => {
    const lines = [
      JSON.stringify({ id: 1, tool: "exec", params: { command: `echo ${"a".repeat(1_000_000)}; rm -rf /` }, channel: "webchat", senderIsOwner: true }),
      `{${"x".repeat(5_000_000)}`,
      JSON.stringify({ id: 3, tool: "read", params: { path: `/tmp/${"a/".repeat(500_000)}x` } }),
    ];
    const { out } = await evaluate([utf8(`${lines.join("\n")}\n`)]);
    assert.deepEqual(
      out.map((o) => [o.id, o.decision, o.ruleIds]),
      [
        [1, "block", ["self.protect", "fs.destructive"]],
        [null, "block", ["input.invalid"]],
        [3, "allow", ["policy.default"]],
      ],
    );
    for (const o of out) assert.ok(o.reason.length <= 1_000, `reason of ${o.reason.length} characters`);
  });

  test("the command itself: garbage, \\r, BOM and invalid UTF-8 on stdin, exit 0, one line out per line in", () => {
    const cfg = join(dir, "plugin.json");
    writeFileSync(cfg, JSON.stringify({ defaultAction: "allow", highStakesAction: "allow" }));
    const stdin = Buffer.concat([
      utf8('{"id":1,"tool":"read",\r"params":{"path":"x"}}\r\n'),
      utf8("\uFEFF{\"id\":2,\"tool\":\"read\"}\n"),
      Buffer.from([0xff, 0xfe, 0x7b, 0x0a]),
      utf8("\n   \n[1,2]\n"),
      utf8('{"id":5}'),
    ]);
    const r = spawnSync(process.execPath, [BIN, "evaluate", "--config", cfg, "--state-dir", join(dir, "state")], { input: stdin, env: { ...process.env, HOME: join(dir, "home") }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    const out = r.stdout.toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as Out);
    assert.deepEqual(
      out.map((o) => [o.id, o.decision, o.ruleIds]),
      [
        [1, "allow", ["policy.default"]],
        [null, "block", ["input.invalid"]],
        [null, "block", ["input.invalid"]],
        [null, "block", ["input.invalid"]],
        [null, "block", ["input.invalid"]],
      ],
    );
  });
});
