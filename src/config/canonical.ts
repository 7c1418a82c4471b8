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
          if (typeof v === "string" || typeof v === "boolean" || v === null || v === undefined || typeof v === "function") continue;
          if (!isCanonicalReady(v, depth + 1)) return false;
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
        // Primitives inline: most members are strings.
        if (typeof v === "string" || typeof v === "boolean" || v === null || v === undefined || typeof v === "function") continue;
        if (!isCanonicalReady(v, depth + 1)) return false;
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

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;
/** A copy could not keep canonical key order: objects list array-index keys first, whatever order they were set in. */
const NO_COPY = Symbol("no canonical copy");

function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  // `out.__proto__ = x` would set the prototype instead of a member.
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A member value JSON.stringify writes as canonicalJson(value) writes it (NO_COPY when no object can). */
function canonicalCopy(value: unknown, depth: number): unknown {
  if (isCanonicalReady(value, depth)) return value;
  switch (typeof value) {
    case "number":
      throw new TypeError("non-finite number in canonical JSON");
    case "object": {
      if (value === null) return null;
      if (depth >= MAX_FAST_DEPTH) return NO_COPY;
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          const c = v === undefined || typeof v === "function" ? null : canonicalCopy(v, depth + 1);
          if (c === NO_COPY) return NO_COPY;
          out.push(c);
        }
        return out;
      }
      const keys = Object.keys(value).sort();
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        if (ARRAY_INDEX.test(k)) return NO_COPY;
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === "function") continue;
        const c = canonicalCopy(v, depth + 1);
        if (c === NO_COPY) return NO_COPY;
        setMember(out, k, c);
      }
      return out;
    }
    default:
      // bigint, symbol: canonical JSON writes null for them
      return null;
  }
}

/**
 * For an object of our own (its members may be replaced): replace each member JSON.stringify would not write as
 * canonical JSON with a copy it does. True when JSON.stringify(obj) is then exactly canonicalJson(obj).
 */
export function prepareCanonical(obj: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(obj) !== OBJECT_PROTO) return false;
  let last: string | undefined;
  for (const k in obj) {
    if ((last !== undefined && !(last < k)) || k === "toJSON") return false;
    last = k;
    const v = obj[k];
    if (typeof v === "string" || typeof v === "boolean" || v === null || v === undefined || typeof v === "function" || isCanonicalReady(v, 1)) continue;
    // (for…in also lists inherited keys, which JSON.stringify skips: only own members are replaced)
    const c = canonicalCopy(v, 1);
    if (c === NO_COPY || !Object.hasOwn(obj, k)) return false;
    obj[k] = c;
  }
  return true;
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
