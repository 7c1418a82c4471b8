import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalJson, isCanonicalReady, prepareCanonical } from "../../src/config/canonical.ts";

/** RFC 8785 as plainly as it can be written: the reference the fast paths must agree with. */
function reference(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError("non-finite");
    return JSON.stringify(v);
  }
  if (typeof v === "boolean") return String(v);
  if (v === null || typeof v !== "object") return "null";
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined || typeof x === "function" ? "null" : reference(x))).join(",")}]`;
  const members: string[] = [];
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === "function") continue;
    members.push(`${JSON.stringify(k)}:${reference(x)}`);
  }
  return `{${members.join(",")}}`;
}

describe("canonical JSON: the JSON.stringify shortcut agrees with RFC 8785", () => {
  const cases: [string, unknown][] = [
    ["sorted plain object", { a: 1, b: [true, null, "x"], c: { d: -0, e: 1e21, f: 1.5e-7 } }],
    ["unsorted keys", { b: 1, a: { d: 1, c: 2 } }],
    ["array-index keys (objects list them first)", { "10": 1, "9": 2, a: 3, "1": 4 }],
    ["a __proto__ member", JSON.parse('{"__proto__":{"x":1},"a":1}')],
    ["a __proto__ member that needs sorting", JSON.parse('{"__proto__":{"z":1,"a":2},"b":{"z":1,"a":2}}')],
    ["undefined, functions and symbols", { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol("s")], d: Symbol("t") }],
    ["bigint", { a: 10n }],
    ["Date and class instances", { d: new Date(0), m: new Map([[1, 2]]), c: new (class K {
      y = 2;
      x = 1;
    })() }],
    ["toJSON members", { a: { toJSON: () => "no" }, b: { toJSON: 5 } }],
    ["boxed primitives", { s: Object("ab"), n: Object(5) }],
    ["null prototype", Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    ["unicode keys", { é: 1, e: 2, "😀": 3, "\uffff": 4, "": 5 }],
    ["lone surrogates", { a: "\ud800", "\udc00": 1 }],
    ["deep", JSON.parse(`${"[".repeat(80)}{"b":1,"a":2}${"]".repeat(80)}`)],
  ];
  for (const [name, value] of cases) {
    test(name, () => {
      assert.equal(canonicalJson(value), reference(value));
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const copy = { ...(value as Record<string, unknown>) };
        if (Object.getPrototypeOf(value) === Object.prototype && prepareCanonical(copy)) assert.equal(JSON.stringify(copy), reference(value));
      }
    });
  }

  test("non-finite numbers are refused on every path", () => {
    assert.throws(() => canonicalJson({ a: Number.NaN }), /non-finite/);
    assert.throws(() => canonicalJson({ b: 1, a: [Infinity] }), /non-finite/);
    assert.throws(() => prepareCanonical({ a: { z: 1, y: -Infinity } }), /non-finite/);
  });

  test("ready means JSON.stringify is already canonical", () => {
    assert.equal(isCanonicalReady({ a: 1, b: { c: [1] } }), true);
    assert.equal(isCanonicalReady({ b: 1, a: 1 }), false);
    assert.equal(isCanonicalReady({ a: new Date(0) }), false);
  });
});
