// Model client: one configured endpoint (OpenAI-compatible or Anthropic) -> askJson, a bounded JSON answer validated with zod; never throws.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { z } from "zod";
import type { ModelEndpoint } from "../config/schema.ts";
import type { Scrubber } from "../ops/scrub.ts";

export type { ModelEndpoint };

export type AskRequest<T> = {
  system: string;
  user: string;
  schema: z.ZodType<T>;
  /** Overrides the endpoint's timeoutMs for this call. */
  timeoutMs?: number;
  /** The caller's cancellation (e.g. the approval it serves was decided elsewhere). */
  signal?: AbortSignal;
};

export type AskResult<T> = { ok: true; value: T; latencyMs: number } | { ok: false; error: string; latencyMs: number };

export type ModelClient = {
  readonly provider: ModelEndpoint["provider"];
  /** The model id as configured (llama3.1:8b); safe to log. */
  readonly model: string;
  askJson<T>(req: AskRequest<T>): Promise<AskResult<T>>;
};

export type ModelClientOptions = {
  /** Every error string passes through it (the config's scrubber: configured secrets and credential shapes). */
  scrub: Scrubber;
  /** Longest answer text parsed, in characters; default 16384. */
  maxAnswerChars?: number;
  /** Longest HTTP response body read, in bytes; default 262144. */
  maxResponseBytes?: number;
};

export const DEFAULT_MAX_ANSWER_CHARS = 16_384;
export const DEFAULT_MAX_RESPONSE_BYTES = 262_144;
/** Where an Anthropic endpoint without baseUrl goes: the SDK's default, written out so ANTHROPIC_BASE_URL cannot redirect it. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
const MAX_ERROR_CHARS = 300;
/** How many '{' positions the extractor tries before it gives up on an answer. */
const MAX_JSON_STARTS = 32;

class SetupError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "SetupError";
  }
}

class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`response larger than ${limit} bytes`);
    this.name = "ResponseTooLargeError";
  }
}

/** A fetch whose response bodies stop (with ResponseTooLargeError) past `limit` bytes, so a runaway server cannot fill memory. */
function boundedFetch(limit: number): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.body === null) return res;
    let seen = 0;
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > limit) controller.error(new ResponseTooLargeError(limit));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

type Transport = (req: { system: string; user: string; signal: AbortSignal; sdkTimeoutMs: number }) => Promise<unknown>;

function openAiTransport(endpoint: ModelEndpoint, fetchImpl: ReturnType<typeof boundedFetch>): Transport {
  const client = new OpenAI({
    // Ollama and llama.cpp ignore the key but the SDK needs one; without a configured key no Authorization header is sent.
    apiKey: endpoint.apiKey ?? "unused",
    ...(endpoint.apiKey === undefined ? { defaultHeaders: { authorization: null } } : {}),
    baseURL: endpoint.baseUrl ?? null,
    // Explicit nulls: the SDK would otherwise read OPENAI_ORG_ID / OPENAI_PROJECT_ID / OPENAI_ADMIN_KEY from the gateway's environment.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    logLevel: "off",
    fetch: fetchImpl,
  });
  return async ({ system, user, signal, sdkTimeoutMs }) =>
    client.chat.completions.create(
      {
        model: endpoint.model,
        messages: [
          { role: "system", content: system },
          { role: "user", content: user },
        ],
        temperature: 0,
        max_tokens: endpoint.maxTokens,
        ...(endpoint.jsonMode ? { response_format: { type: "json_object" as const } } : {}),
      },
      { signal, maxRetries: 0, timeout: sdkTimeoutMs },
    );
}

function anthropicTransport(endpoint: ModelEndpoint, fetchImpl: ReturnType<typeof boundedFetch>): Transport {
  const client = new Anthropic({
    // The schema requires apiKey for anthropic; null stops the SDK from reading ANTHROPIC_API_KEY or a profile instead.
    apiKey: endpoint.apiKey ?? null,
    baseURL: endpoint.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
    maxRetries: 0,
    logLevel: "off",
    fetch: fetchImpl,
  });
  return async ({ system, user, signal, sdkTimeoutMs }) =>
    client.messages.create(
      { model: endpoint.model, max_tokens: endpoint.maxTokens, system, messages: [{ role: "user", content: user }] },
      { signal, maxRetries: 0, timeout: sdkTimeoutMs },
    );
}

/** The answer text of a chat completion; the SDK does not validate responses, so every step is checked. */
function openAiText(res: unknown): string | undefined {
  const choices = field(res, "choices");
  if (!Array.isArray(choices)) return undefined;
  const content = field(field(choices[0], "message"), "content");
  return typeof content === "string" ? content : undefined;
}

/** The text blocks of an Anthropic message, joined. */
function anthropicText(res: unknown): string | undefined {
  const content = field(res, "content");
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const block of content) {
    const text = field(block, "text");
    if (field(block, "type") === "text" && typeof text === "string") parts.push(text);
  }
  return parts.length > 0 ? parts.join("") : undefined;
}

function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}

/**
 * The first JSON object in a model's answer: models wrap JSON in prose, ```json fences or <think> blocks.
 * Scans from each '{' (at most MAX_JSON_STARTS) to its matching '}' (strings and escapes respected) and returns
 * the first slice that parses as an object.
 */
export function extractJsonObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false } {
  const visible = text.replace(/<think>[\s\S]*?<\/think>/g, "");
  let from = 0;
  for (let attempt = 0; attempt < MAX_JSON_STARTS; attempt++) {
    const start = visible.indexOf("{", from);
    if (start < 0) break;
    const end = matchingBrace(visible, start);
    if (end < 0) break;
    try {
      const value: unknown = JSON.parse(visible.slice(start, end + 1));
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    } catch {
      // not JSON from this brace; try the next one
    }
    from = start + 1;
  }
  return { ok: false };
}

function matchingBrace(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function schemaProblems(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

/** The cause chain's first errno-style code (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET): safe to show, says what happened. */
function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{2,40}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function hasCause(err: unknown, type: new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    if (e instanceof type) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What went wrong, in a few words of our own: SDK messages may quote response bodies, so they are never passed on. */
function describeFailure(err: unknown, limit: number): string {
  if (err instanceof SetupError) return err.message;
  if (hasCause(err, ResponseTooLargeError)) return `response larger than ${limit} bytes`;
  const status = (err as { status?: unknown } | null)?.status;
  if ((err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) && typeof status === "number") return `HTTP ${status}`;
  if (err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError) {
    const code = networkCode(err);
    return code === undefined ? "connection failed" : `connection failed (${code})`;
  }
  const name = err instanceof Error ? err.name : typeof err;
  return `request failed (${/^[A-Za-z0-9_]{1,40}$/.test(name) ? name : "unknown error"})`;
}

const ABORTED = Symbol("aborted");

/** One client per configured endpoint; SDK clients are built here once, not per call. */
export function createModelClient(endpoint: ModelEndpoint, options: ModelClientOptions): ModelClient {
  const maxAnswerChars = options.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const fetchImpl = boundedFetch(maxResponseBytes);
  let transport: Transport;
  try {
    // Without a key the Anthropic SDK would look for one in the environment and profile files: refuse instead.
    if (endpoint.provider === "anthropic" && endpoint.apiKey === undefined) throw new Error("anthropic endpoint needs apiKey");
    transport = endpoint.provider === "anthropic" ? anthropicTransport(endpoint, fetchImpl) : openAiTransport(endpoint, fetchImpl);
  } catch (err) {
    // A client that cannot be built answers every call with the reason instead of throwing at the caller.
    const reason = err instanceof Error && err.message === "anthropic endpoint needs apiKey" ? err.message : `client setup failed (${err instanceof Error ? err.name : typeof err})`;
    transport = async () => {
      throw new SetupError(reason);
    };
  }
  const textOf = endpoint.provider === "anthropic" ? anthropicText : openAiText;
  const clean = (error: string): string => options.scrub(error).replace(/[\p{Cc}\p{Cf}]+/gu, " ").slice(0, MAX_ERROR_CHARS);

  async function askJson<T>(req: AskRequest<T>): Promise<AskResult<T>> {
    const started = performance.now();
    const done = (r: { ok: true; value: T } | { ok: false; error: string }): AskResult<T> => {
      const latencyMs = Math.round(performance.now() - started);
      return r.ok ? { ok: true, value: r.value, latencyMs } : { ok: false, error: clean(r.error), latencyMs };
    };
    const timeoutMs = req.timeoutMs ?? endpoint.timeoutMs;
    if (req.signal?.aborted) return done({ ok: false, error: "cancelled" });
    const controller = new AbortController();
    let timedOut = false;
    let onAbort: (() => void) | undefined;
    // Resolves when our timer or the caller aborts: the answer is bounded even if the SDK were slow to notice the signal.
    const aborted = new Promise<typeof ABORTED>((resolve) => {
      onAbort = () => {
        controller.abort();
        resolve(ABORTED);
      };
    });
    const timer = setTimeout(() => {
      timedOut = true;
      onAbort?.();
    }, timeoutMs);
    const callerAbort = (): void => onAbort?.();
    req.signal?.addEventListener("abort", callerAbort, { once: true });
    try {
      const call = transport({ system: req.system, user: req.user, signal: controller.signal, sdkTimeoutMs: timeoutMs + 1_000 });
      call.catch(() => undefined); // settled below or abandoned after an abort; never an unhandled rejection
      let res: unknown;
      try {
        res = await Promise.race([call, aborted]);
      } catch (err) {
        if (timedOut || err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError) {
          return done({ ok: false, error: `timed out after ${timeoutMs} ms` });
        }
        if (req.signal?.aborted) return done({ ok: false, error: "cancelled" });
        return done({ ok: false, error: describeFailure(err, maxResponseBytes) });
      }
      if (res === ABORTED) return done({ ok: false, error: timedOut ? `timed out after ${timeoutMs} ms` : "cancelled" });
      const text = textOf(res);
      if (text === undefined || text.trim() === "") return done({ ok: false, error: "answer is empty" });
      if (text.length > maxAnswerChars) return done({ ok: false, error: `answer too large (${text.length} characters, limit ${maxAnswerChars})` });
      const json = extractJsonObject(text);
      if (!json.ok) return done({ ok: false, error: "answer is not JSON" });
      const parsed = req.schema.safeParse(json.value);
      if (!parsed.success) return done({ ok: false, error: `answer fails the schema: ${schemaProblems(parsed.error.issues)}` });
      return done({ ok: true, value: parsed.data });
    } catch (err) {
      // A bug in this module or the SDK: still an answer, never an exception for the caller.
      return done({ ok: false, error: describeFailure(err, maxResponseBytes) });
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", callerAbort);
    }
  }

  return { provider: endpoint.provider, model: endpoint.model, askJson };
}
