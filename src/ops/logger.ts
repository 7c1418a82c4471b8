// Operational logs (not the audit trail): pino into a mode-600 file and the host's logger, every string scrubbed of secrets.
import { closeSync, fchmodSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import pino from "pino";
import { createScrubber, type Scrubber } from "./scrub.ts";

export type OpsLevel = "debug" | "info" | "warn" | "error";

/** OpenClaw's `api.logger` (or anything shaped like it). */
export type OpsForward = { info(m: string): void; warn(m: string): void; error(m: string): void };

export type OpsLoggerOptions = {
  /** e.g. `<stateDir>/logs/coordinator.log`; its directory is created mode 700, the file mode 600. Without it, only `forward`. */
  file?: string | undefined;
  /** Default "info". */
  level?: OpsLevel | undefined;
  /** The operator's configured secret values (.env); values shorter than 8 characters are ignored. */
  secretValues: readonly string[];
  /** The scrubber already compiled from secretValues (the gate's), so one is built per config. */
  scrub?: Scrubber | undefined;
  forward?: OpsForward | undefined;
};

export type OpsFields = Record<string, unknown>;

export type OpsLogger = {
  debug(msg: string, fields?: OpsFields): void;
  info(msg: string, fields?: OpsFields): void;
  warn(msg: string, fields?: OpsFields): void;
  error(msg: string, fields?: OpsFields): void;
  /** Resolves once every line logged so far was handed to the OS (bounded wait). */
  flush(): Promise<void>;
  /** Flushes, then closes the file; later lines go to `forward` only. Idempotent. */
  close(): Promise<void>;
};

const RANK: Readonly<Record<OpsLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Field names whose values are secrets whatever they look like (matched case-insensitively at any depth). */
const SECRET_KEY = /(?:token|secret|password|passwd|passphrase|api[_-]?key|authorization|cookie|private[_-]?key|credentials?)$/i;

/** pino's own redaction of the same names at the paths where they usually sit (pino matches exact paths only). */
const REDACT_NAMES = ["token", "accessToken", "refreshToken", "botToken", "apiKey", "api_key", "password", "passwd", "secret", "clientSecret", "authorization", "cookie", "privateKey", "credentials"];
export const REDACT_PATHS: readonly string[] = [
  ...REDACT_NAMES.flatMap((n) => [n, `*.${n}`]),
  "headers.authorization",
  "headers.cookie",
  "*.headers.authorization",
  "*.headers.cookie",
  "params.*.token",
  "params.*.apiKey",
  "params.*.password",
];

const MAX_DEPTH = 6;
const MAX_KEYS = 100;
const MAX_STRING = 4_000;
const WAIT_MS = 5_000;

function markerFor(key: string | symbol | undefined): string {
  // A wildcard segment reaches the censor as a Symbol; template-stringifying a Symbol throws.
  return `[redacted:${typeof key === "string" ? key.toLowerCase() : "field"}]`;
}

/** Control characters (newlines included) would let logged text forge extra lines in the host's log. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

function cut(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…[cut ${s.length - MAX_STRING} chars]` : s;
}

/** A plain, bounded, scrubbed copy of `fields`: strings scrubbed, secret-named keys censored, errors flattened. */
function cleanFields(fields: OpsFields, scrub: Scrubber): Record<string, unknown> {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return cut(scrub(v));
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "function" || typeof v === "symbol") return `[${typeof v}]`;
    if (v === null || typeof v !== "object") return v;
    if (depth >= MAX_DEPTH) return "[nested too deep]";
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    if (v instanceof Error) {
      const out: Record<string, unknown> = { type: v.name, message: cut(scrub(v.message)) };
      if (v.stack !== undefined) out["stack"] = cut(scrub(v.stack));
      const code = (v as { code?: unknown }).code;
      if (typeof code === "string" || typeof code === "number") out["code"] = code;
      return out;
    }
    if (ArrayBuffer.isView(v)) return `[${v.constructor.name} ${v.byteLength} bytes]`;
    if (Array.isArray(v)) return v.slice(0, MAX_KEYS).map((x) => walk(x, depth + 1));
    const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries.slice(0, MAX_KEYS)) {
      const key = scrub(k);
      out[key] = SECRET_KEY.test(k) && x !== null && x !== undefined && typeof x !== "number" && typeof x !== "boolean" ? markerFor(k) : walk(x, depth + 1);
    }
    return out;
  };
  return walk(fields, 0) as Record<string, unknown>;
}

type FileSink = {
  write(line: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
};

/** The file behind pino: opened here (mode 600, directory 700) so open errors surface at once, written asynchronously. */
function openSink(file: string, onError: (err: Error) => void): { sink: FileSink; stream: pino.DestinationStream } | undefined {
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, "a", 0o600);
  } catch (err) {
    onError(err as Error);
    return undefined;
  }
  try {
    fchmodSync(fd, 0o600); // an existing file keeps its old mode otherwise
  } catch (err) {
    closeSync(fd);
    onError(err as Error);
    return undefined;
  }
  const boom = pino.destination({ dest: fd, sync: false, minLength: 0 });
  let broken = false;
  let closed = false;
  // Bytes handed to the stream vs bytes it reports written: flush() waits until they meet.
  let queued = 0;
  let written = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  boom.on("write", (n: number) => {
    written += n;
    if (written >= queued) wake();
  });
  boom.on("error", (err: Error) => {
    broken = true;
    wake();
    onError(err);
  });
  const idle = (): Promise<void> =>
    broken || written >= queued
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, WAIT_MS);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
  const stream: pino.DestinationStream = {
    write(line: string) {
      if (broken || closed) return;
      queued += Buffer.byteLength(line);
      try {
        boom.write(line);
      } catch (err) {
        broken = true;
        onError(err as Error);
      }
    },
  };
  const sink: FileSink = {
    write: (line) => stream.write(line),
    flush: idle,
    async close() {
      if (closed) return;
      await idle();
      closed = true;
      if (broken) {
        try {
          boom.destroy();
        } catch {
          // already torn down
        }
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_MS);
        boom.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          boom.end();
        } catch {
          clearTimeout(timer);
          resolve();
        }
      });
    },
  };
  return { sink, stream };
}

export function createOpsLogger(options: OpsLoggerOptions): OpsLogger {
  const scrub = options.scrub ?? createScrubber(options.secretValues);
  const threshold = RANK[options.level ?? "info"];
  const forward = options.forward;
  let reported = false;
  const reportFileError = (err: Error) => {
    if (reported) return;
    reported = true;
    const code = (err as { code?: unknown }).code;
    forward?.error(
      oneLine(scrub(`otheru-coordinator: the operational log ${options.file ?? ""} cannot be written (${typeof code === "string" ? `${code}: ` : ""}${err.message}); logging continues to the host log only`)),
    );
  };
  const opened = options.file === undefined ? undefined : openSink(options.file, reportFileError);
  const log =
    opened === undefined
      ? undefined
      : pino(
          {
            name: "otheru-coordinator",
            level: options.level ?? "info",
            base: { pid: process.pid },
            timestamp: pino.stdTimeFunctions.isoTime,
            formatters: { level: (label) => ({ level: label }) },
            // Errors are already flattened and scrubbed; pino's err serializer would re-type them as "Object".
            serializers: { err: (v: unknown) => v },
            redact: { paths: [...REDACT_PATHS], censor: (_value: unknown, path: (string | symbol)[]) => markerFor(path[path.length - 1]) },
          },
          opened.stream,
        );

  const emit = (level: OpsLevel, msg: string, fields: OpsFields | undefined) => {
    if (RANK[level] < threshold) return;
    const text = cut(scrub(msg));
    const clean = fields === undefined ? undefined : cleanFields(fields, scrub);
    try {
      if (clean === undefined) log?.[level](text);
      else log?.[level](clean, text);
    } catch (err) {
      reportFileError(err as Error);
    }
    if (forward === undefined || level === "debug") return;
    const line = oneLine(clean === undefined || Object.keys(clean).length === 0 ? text : `${text} ${JSON.stringify(clean)}`);
    forward[level](line);
  };

  let closing: Promise<void> | undefined;
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    flush: () => opened?.sink.flush() ?? Promise.resolve(),
    close: () => (closing ??= opened?.sink.close() ?? Promise.resolve()),
  };
}
