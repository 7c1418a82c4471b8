// Byte-level reading of one stored audit line for verify: proves the line is canonical JSON as sealRecord writes
// it and finds the top-level chain fields, without building the record. Anything it is not sure of is left to
// the exact check (JSON.parse, then re-serialise and compare), so it can only say "yes" where that check would.

/** Where the chain fields of an accepted line are (byte offsets into the buffer). */
export type LineFields = {
  /** Just after the record's closing brace, where its newline must be. */
  end: number;
  /** The `"hash":"…"` member and the one comma next to it: removing [cutStart, cutEnd) gives the hashed text. */
  cutStart: number;
  cutEnd: number;
  /**
   * Where the 64 bytes of `hash` and `prev` start. They are not read here: the line counts as canonical only
   * once the caller has found them equal to hex digests (the record's own hash, the previous record's).
   */
  hashAt: number;
  prevAt: number;
  seq: number;
  checkpoint: boolean;
};

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MAX_DEPTH = 200;
/** Up to 15 digits an integer is exact in a double and prints as itself. */
const MAX_PLAIN_DIGITS = 15;
const NOT_SURE = -1;
const CHECKPOINT = Buffer.from('"checkpoint"');

/** 1 for the bytes that end a plain run inside a string: the quote, the backslash and control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
/** 1 for the bytes of keys compared here: printable ASCII but the quote and backslash (byte order = UTF-16 order). */
const KEY_PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) KEY_PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

// The top-level fields found by the last scan (module-level: the scan is synchronous and allocation-free).
let hashAt = -1;
let hashMemberAt = -1;
let prevAt = -1;
let seq = -1;
let kindAt = -1;
let kindEnd = -1;

// The buffer as 32-bit words, to skip plain runs four bytes at a time.
let wordsOf: Buffer | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);
let wordBase = 0;

/** A JSON string as JSON.stringify writes it; returns the offset after its closing quote. */
function scanString(b: Buffer, i: number, end: number): number {
  i++;
  for (;;) {
    // Lines end with a newline, which stops the run too, so the hot loops need no bounds check.
    while (((wordBase + i) & 3) !== 0 && STRING_STOP[b[i] as number] === 0) i++;
    if (((wordBase + i) & 3) === 0) {
      const w32 = words;
      let at = (wordBase + i) >> 2;
      const last = (wordBase + end) >> 2;
      while (at < last) {
        const w = w32[at] as number;
        const q = w ^ 0x22222222;
        const s = w ^ 0x5c5c5c5c;
        // a quote, a backslash or a byte below 0x20 somewhere in these four
        if ((((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((w - 0x20202020) & ~w)) & 0x80808080) break;
        at++;
      }
      i = (at << 2) - wordBase;
      while (STRING_STOP[b[i] as number] === 0) i++;
    }
    if (i >= end) return NOT_SURE;
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH) return NOT_SURE;
    const e = b[i + 1];
    // The short escapes JSON.stringify uses; `\/` and \u for anything but a control character it never writes.
    if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
      continue;
    }
    if (e === 0x75 && i + 5 < end && b[i + 2] === 0x30 && b[i + 3] === 0x30) {
      const hi = b[i + 4];
      const lo = b[i + 5] as number;
      const loOk = (lo >= 0x30 && lo <= 0x39) || (lo >= 0x61 && lo <= 0x66);
      // \u0000-\u001f in lowercase hex, except the five that have a short form (\b \t \n \f \r).
      if (loOk && (hi === 0x30 || hi === 0x31) && !(hi === 0x30 && (lo === 0x38 || lo === 0x39 || lo === 0x61 || lo === 0x63 || lo === 0x64))) {
        i += 6;
        continue;
      }
    }
    // Lone surrogates (\udXXX) are canonical but rare: the exact check decides.
    return NOT_SURE;
  }
}

function scanNumber(b: Buffer, i: number, end: number): number {
  const start = i;
  if (b[i] === 0x2d) i++;
  let c = b[i];
  if (c === 0x30) i++;
  else if (c !== undefined && c >= 0x31 && c <= 0x39) {
    while (i < end && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) i++;
  } else return NOT_SURE;
  c = b[i];
  const plain = c !== 0x2e && c !== 0x65 && c !== 0x45;
  const digits = i - start - (b[start] === 0x2d ? 1 : 0);
  if (plain && digits <= MAX_PLAIN_DIGITS) {
    // "-0" is not canonical (JSON.stringify(-0) is "0").
    if (digits === 1 && b[i - 1] === 0x30 && i - start === 2) return NOT_SURE;
    return i;
  }
  while (i < end) {
    c = b[i] as number;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) i++;
    else break;
  }
  // Canonical means ECMAScript's own rendering of the value, which is also valid JSON.
  const token = b.toString("latin1", start, i);
  const n = Number(token);
  return Number.isFinite(n) && String(n) === token ? i : NOT_SURE;
}

function scanValue(b: Buffer, i: number, end: number, depth: number): number {
  const c = b[i];
  if (c === QUOTE) return scanString(b, i, end);
  if (c === OPEN_OBJECT) return scanObject(b, i, end, depth + 1);
  if (c === OPEN_ARRAY) return scanArray(b, i, end, depth + 1);
  if (c === 0x74) return b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : NOT_SURE; // true
  if (c === 0x66) return b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : NOT_SURE; // false
  if (c === 0x6e) return b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : NOT_SURE; // null
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return scanNumber(b, i, end);
  return NOT_SURE;
}

function scanArray(b: Buffer, i: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return NOT_SURE;
  i++;
  if (b[i] === CLOSE_ARRAY) return i + 1;
  for (;;) {
    i = scanValue(b, i, end, depth);
    if (i < 0) return NOT_SURE;
    const c = b[i];
    if (c === COMMA) i++;
    else if (c === CLOSE_ARRAY) return i + 1;
    else return NOT_SURE;
  }
}

/** A top-level member the chain needs: note where it is; returns the offset after its value, or 0 for "not one of them". */
function topLevelField(b: Buffer, keyStart: number, keyStop: number, valueAt: number, end: number): number {
  const len = keyStop - keyStart;
  if (len === 4) {
    const c0 = b[keyStart];
    const c1 = b[keyStart + 1];
    const c2 = b[keyStart + 2];
    const c3 = b[keyStart + 3];
    const hash = c0 === 0x68 && c1 === 0x61 && c2 === 0x73 && c3 === 0x68;
    if (hash || (c0 === 0x70 && c1 === 0x72 && c2 === 0x65 && c3 === 0x76)) {
      // "hash" / "prev": 64 bytes between quotes, left for the caller to compare with hex digests.
      if (b[valueAt] !== QUOTE || b[valueAt + 65] !== QUOTE || valueAt + 66 > end) return NOT_SURE;
      if (hash) {
        hashAt = valueAt + 1;
        hashMemberAt = keyStart - 1;
      } else prevAt = valueAt + 1;
      return valueAt + 66;
    }
    if (c0 === 0x6b && c1 === 0x69 && c2 === 0x6e && c3 === 0x64) {
      // "kind"
      const after = scanValue(b, valueAt, end, 1);
      kindAt = valueAt;
      kindEnd = after;
      return after;
    }
  } else if (len === 3 && b[keyStart] === 0x73 && b[keyStart + 1] === 0x65 && b[keyStart + 2] === 0x71) {
    // "seq": a positive integer in plain digits
    let n = 0;
    let i = valueAt;
    if (b[i] === 0x30) return NOT_SURE;
    for (; i < end; i++) {
      const c = b[i] as number;
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
    }
    if (i === valueAt || i - valueAt > MAX_PLAIN_DIGITS) return NOT_SURE;
    seq = n;
    return i;
  }
  return 0;
}

function scanObject(b: Buffer, i: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return NOT_SURE;
  i++;
  if (b[i] === CLOSE_OBJECT) return i + 1;
  let prevKeyStart = -1;
  let prevKeyLen = 0;
  for (;;) {
    if (b[i] !== QUOTE) return NOT_SURE;
    const keyStart = i + 1;
    i = keyStart;
    while (KEY_PLAIN[b[i] as number] === 1) i++;
    if (b[i] !== QUOTE || i >= end) return NOT_SURE; // escapes or non-ASCII: the exact check compares such keys
    const keyLen = i - keyStart;
    if (prevKeyStart >= 0) {
      // strictly after the previous key
      const n = prevKeyLen < keyLen ? prevKeyLen : keyLen;
      let k = 0;
      while (k < n && b[prevKeyStart + k] === b[keyStart + k]) k++;
      if (k < n ? (b[prevKeyStart + k] as number) > (b[keyStart + k] as number) : prevKeyLen >= keyLen) return NOT_SURE;
    }
    prevKeyStart = keyStart;
    prevKeyLen = keyLen;
    if (b[i + 1] !== COLON) return NOT_SURE;
    i += 2;
    const field = depth === 1 ? topLevelField(b, keyStart, keyStart + keyLen, i, end) : 0;
    i = field !== 0 ? field : b[i] === QUOTE ? scanString(b, i, end) : scanValue(b, i, end, depth);
    if (i < 0) return NOT_SURE;
    const c = b[i];
    if (c === COMMA) i++;
    else if (c === CLOSE_OBJECT) return i + 1;
    else return NOT_SURE;
  }
}

/** A LineFields to fill again and again (verify reads millions of lines; no allocation per line). */
export function emptyLineFields(): LineFields {
  return { end: -1, cutStart: -1, cutEnd: -1, hashAt: -1, prevAt: -1, seq: -1, checkpoint: false };
}

/**
 * True, with `out` filled, when the bytes from `start` are canonical JSON of a record with a 64-byte `hash` and
 * `prev` and a positive integer `seq`, followed by a newline, provided those two hold hex digests (see LineFields);
 * false when unsure (the caller then runs the exact check). The scan finds the line's end itself (a raw newline
 * cannot occur inside canonical JSON) and reads no further than `limit`. The bytes must be valid UTF-8.
 */
export function scanLine(buf: Buffer, start: number, limit: number, out: LineFields): boolean {
  hashAt = hashMemberAt = prevAt = seq = kindAt = kindEnd = -1;
  if (buf[start] !== OPEN_OBJECT) return false;
  if (wordsOf !== buf) {
    wordsOf = buf;
    wordBase = buf.byteOffset & 3;
    words = new Int32Array(buf.buffer, buf.byteOffset - wordBase, (wordBase + buf.length) >> 2);
  }
  const at = scanObject(buf, start, limit, 1);
  if (at < 0 || buf[at] !== NEWLINE || hashAt < 0 || prevAt < 0 || seq < 0 || kindAt < 0) return false;
  // Removing the member with the comma before it, or after it when it comes first, leaves canonical JSON.
  const first = buf[hashMemberAt - 1] === OPEN_OBJECT;
  const hashValueEnd = hashAt + 65;
  out.cutStart = first ? hashMemberAt : hashMemberAt - 1;
  out.cutEnd = first && buf[hashValueEnd] === COMMA ? hashValueEnd + 1 : hashValueEnd;
  out.end = at;
  out.hashAt = hashAt;
  out.prevAt = prevAt;
  out.seq = seq;
  let checkpoint = kindEnd - kindAt === CHECKPOINT.length;
  for (let k = 0; checkpoint && k < CHECKPOINT.length; k++) checkpoint = buf[kindAt + k] === CHECKPOINT[k];
  out.checkpoint = checkpoint;
  return true;
}

/** Drop the word view of the last buffer scanned (so a large file can be collected). */
export function releaseScanBuffer(): void {
  wordsOf = undefined;
  words = new Int32Array(0);
}
