// Canonical JSON (RFC 8785: keys sorted by UTF-16 code units, no whitespace, ECMAScript number and string
// serialisation) and its sha256, for policy hashes and audit records.
import { hash } from "node:crypto";

const OBJECT_PROTO = Object.prototype;
const MAX_FAST_DEPTH = 64;

/**
 * True when JSON.stringify(value) is already its canonical JSON: RFC 8785 serialises primitives exactly as
 * ECMAScript does, so only key order (and values JSON.stringify treats differently) can make them differ.
 */
export function isCanonicalReady(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_FAST_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v !== undefined && typeof v !== "function" && !isCanonicalReady(v, depth + 1)) return false;
        }
        return true;
      }
      // Dates, boxed primitives, class instances and toJSON hooks serialise differently: the slow path decides.
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== OBJECT_PROTO && proto !== null) return false;
      let last: string | undefined;
      // for…in also lists inherited enumerable keys after the own ones: if that whole list is strictly sorted,
      // so is the own-key list JSON.stringify uses.
      for (const k in value) {
        if (last !== undefined && !(last < k)) return false;
        if (k === "toJSON") return false;
        last = k;
        const v: unknown = (value as Record<string, unknown>)[k];
        if (v !== undefined && typeof v !== "function" && !isCanonicalReady(v, depth + 1)) return false;
      }
      return true;
    }
    case "undefined":
    case "function":
      // Top level only (members and elements are checked above): JSON.stringify gives undefined, canonical "null".
      return false;
    default:
      return false;
  }
}

function canonicalSlow(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("non-finite number in canonical JSON");
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const v: unknown = value[i];
          out += v === undefined || typeof v === "function" ? "null" : canonicalJson(v);
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = "{";
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === "function") continue;
        out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return "null";
  }
}

export function canonicalJson(value: unknown): string {
  return isCanonicalReady(value) ? (JSON.stringify(value) as string) : canonicalSlow(value);
}

export function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}

/**
 * Canonical JSON of `fields` with one more top-level string field inserted in its sorted place, given the
 * canonical text of each field once: how an audit record gets its own hash without serialising twice.
 */
export function canonicalWithExtra(fields: ReadonlyArray<readonly [string, string]>, extraKey: string, extraValue: (without: string) => string): { without: string; withExtra: string; extra: string } {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let before = "";
  let after = "";
  for (const [k, v] of sorted) {
    const member = `${JSON.stringify(k)}:${v}`;
    if (k < extraKey) before += before === "" ? member : `,${member}`;
    else after += after === "" ? member : `,${member}`;
  }
  const without = `{${before}${before !== "" && after !== "" ? "," : ""}${after}}`;
  const extra = extraValue(without);
  const member = `${JSON.stringify(extraKey)}:${JSON.stringify(extra)}`;
  const withExtra = `{${before}${before === "" ? "" : ","}${member}${after === "" ? "" : ","}${after}}`;
  return { without, withExtra, extra };
}
