// A fake Telegram Bot API on 127.0.0.1 for grammy tests: the real wire format, real long polling, and knobs for failures.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./http-body.ts";

/** A Telegram Update as JSON: update_id plus exactly one kind (message, edited_message, callback_query...). */
export type FakeUpdate = { update_id: number; [kind: string]: unknown };
export type FakeChat = { id: number; type: "private" | "group" | "supergroup" | "channel"; title?: string; first_name?: string };

export type SentMessage = {
  chatId: string;
  messageId: number;
  text: string;
  replyToMessageId: number | undefined;
  parseMode: string | undefined;
  /** reply_markup as sent (an inline keyboard for approval cards). */
  replyMarkup: unknown;
  /** message_thread_id (forum topic) as sent. */
  messageThreadId: number | undefined;
  params: Record<string, unknown>;
};

/** One accepted editMessageText. */
export type EditedMessage = { chatId: string; messageId: number; text: string; replyMarkup: unknown; params: Record<string, unknown> };

/** One accepted answerCallbackQuery. */
export type CallbackAnswer = { callbackQueryId: string; text: string | undefined; showAlert: boolean | undefined; params: Record<string, unknown> };

/** A bot message as it stands now (after edits). */
export type CurrentMessage = { text: string; replyMarkup: unknown; messageThreadId: number | undefined };

/** `fault` is set when a knob answered instead of the method; `rejected` when the token was refused. */
export type RecordedRequest = { method: string; params: Record<string, unknown>; atMs: number; fault?: Fault["kind"]; rejected?: true };

/** What the next matching requests get instead of an answer. */
export type Fault =
  | { kind: "http-502" }
  | { kind: "http-500" }
  /** The connection is destroyed without an answer: a network error for the client. */
  | { kind: "drop" }
  | { kind: "rate-limit"; retryAfterSeconds: number };

export type FakeTelegramApi = {
  /** For grammy's `client.apiRoot`. */
  readonly apiRoot: string;
  readonly token: string;
  readonly bot: { id: number; username: string };
  /** Messages accepted by sendMessage, oldest first. */
  readonly sent: readonly SentMessage[];
  /** Accepted editMessageText calls, oldest first. */
  readonly edits: readonly EditedMessage[];
  /** Accepted answerCallbackQuery calls, oldest first. */
  readonly callbackAnswers: readonly CallbackAnswer[];
  /** Every request to /bot<token>/<method>, including those a fault or the token check answered, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Methods this fake does not implement, answered 404 like Telegram. */
  readonly unknownMethods: readonly string[];
  /** Queues an update (update_id assigned when missing) and wakes a waiting getUpdates. Returns the update_id. */
  pushUpdate(update: Omit<FakeUpdate, "update_id"> & { update_id?: number }): number;
  /** Queues a text message update; date in seconds (default now). */
  pushText(m: { chatId: number; fromId: number; text: string; isBot?: boolean; date?: number }): { updateId: number; messageId: number };
  /**
   * Queues a callback_query (a button press) by user `fromId`. With chatId + messageId the query is on that message (the bot's
   * message as it stands now, or a bare one); without, it comes from an inline message (inline_message_id, no message).
   * `data` omitted: a game button (no data). Returns the update_id and the callback query id.
   */
  pushCallback(c: { fromId: number; isBot?: boolean; chatId?: number; messageId?: number; data?: string }): { updateId: number; callbackQueryId: string };
  /** A message the bot sent, as it stands after edits; undefined when unknown. */
  message(chatId: number | string, messageId: number): CurrentMessage | undefined;
  /** The allowed_updates of the last getUpdates that set them (Telegram remembers them); undefined before. */
  allowedUpdates(): readonly string[] | undefined;
  /** While true, every request is answered 401 Unauthorized. */
  rejectToken(reject: boolean): void;
  /** The next `count` requests (only for `methods` when given) get `fault`. */
  failNext(count: number, fault: Fault, methods?: readonly string[]): void;
  clearFaults(): void;
  /** Number of getUpdates requests currently held open. */
  heldPolls(): number;
  /** TCP connections from clients currently open (keep-alive ones included). */
  openConnections(): number;
  /** Resolves once predicate() is true; rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs: number, what?: string): Promise<void>;
  close(): Promise<void>;
};

const MAX_QUEUED_UPDATES = 1_000;
const MAX_RECORDED = 10_000;
const MAX_BODY_BYTES = 1_000_000;
/** Telegram holds a long poll for at most 50 s. */
const MAX_POLL_SECONDS = 50;
const TEXT_LIMIT = 4096;
const CALLBACK_ANSWER_LIMIT = 200;
const CALLBACK_DATA_MAX_BYTES = 64;
/** Update kinds Telegram delivers when allowed_updates is empty or never set. */
const DEFAULT_EXCLUDED_KINDS = new Set(["chat_member", "message_reaction", "message_reaction_count"]);
const NOT_MODIFIED = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current message";
const WAIT_STEP_MS = 5;

type HeldPoll = { res: ServerResponse; offset: number; limit: number; timer: NodeJS.Timeout };
type FaultEntry = { fault: Fault; remaining: number; methods: readonly string[] | undefined };
type Answer = { status: number; body: unknown };

const ok = (result: unknown): Answer => ({ status: 200, body: { ok: true, result } });
const fail = (code: number, description: string, parameters?: Record<string, unknown>): Answer => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters === undefined ? {} : { parameters }) },
});

/** Starts the fake on 127.0.0.1 with an OS-chosen port. `chats` are the chats getChat and sendMessage know. */
export async function startFakeTelegramApi(options: { token: string; chats?: readonly FakeChat[]; bot?: { id: number; username: string }; webhookUrl?: string }): Promise<FakeTelegramApi> {
  const token = options.token;
  const bot = options.bot ?? { id: 7_000_001, username: "fake_admin_bot" };
  const chats = new Map((options.chats ?? []).map((c) => [String(c.id), c]));
  const nextMessageId = new Map<string, number>();
  /** message ids per chat, so a reply to an unknown message is refused like Telegram does. */
  const knownMessages = new Map<string, Set<number>>();
  const queue: FakeUpdate[] = [];
  const sent: SentMessage[] = [];
  const edits: EditedMessage[] = [];
  const callbackAnswers: CallbackAnswer[] = [];
  /** Bot messages as they stand now, by "chat:message". */
  const current = new Map<string, CurrentMessage>();
  /** Callback query ids pushed and not yet answered. */
  const openQueries = new Set<string>();
  let nextQueryId = 1;
  let allowed: string[] | undefined;
  const requests: RecordedRequest[] = [];
  const unknownMethods: string[] = [];
  const faults: FaultEntry[] = [];
  let held: HeldPoll | undefined;
  let nextUpdateId = 1000;
  let tokenRejected = false;
  let webhookUrl = options.webhookUrl ?? "";
  let closed = false;
  const waiters = new Set<NodeJS.Timeout>();

  function record<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > MAX_RECORDED) list.shift();
  }

  function allocateMessageId(chatId: string): number {
    const id = nextMessageId.get(chatId) ?? 1;
    nextMessageId.set(chatId, id + 1);
    let known = knownMessages.get(chatId);
    if (known === undefined) knownMessages.set(chatId, (known = new Set()));
    known.add(id);
    return id;
  }

  function chatObject(chatId: string): Record<string, unknown> {
    const c = chats.get(chatId);
    if (c !== undefined) return { ...c };
    return { id: Number(chatId), type: Number(chatId) < 0 ? "group" : "private" };
  }

  function delivered(update: FakeUpdate): boolean {
    const kind = Object.keys(update).find((k) => k !== "update_id") ?? "";
    return allowed === undefined || allowed.length === 0 ? !DEFAULT_EXCLUDED_KINDS.has(kind) : allowed.includes(kind);
  }

  function pending(offset: number, limit: number): FakeUpdate[] {
    return queue.filter((u) => u.update_id >= offset && delivered(u)).slice(0, limit);
  }

  function send(res: ServerResponse, answer: Answer): void {
    if (res.writableEnded || res.destroyed) return;
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  function releaseHeld(answer: Answer): void {
    const h = held;
    if (h === undefined) return;
    held = undefined;
    clearTimeout(h.timer);
    send(h.res, answer);
  }

  function wakeHeld(): void {
    if (held === undefined) return;
    const updates = pending(held.offset, held.limit);
    if (updates.length > 0) releaseHeld(ok(updates));
  }

  function takeFault(method: string): Fault | undefined {
    const i = faults.findIndex((f) => f.methods === undefined || f.methods.includes(method));
    const entry = faults[i];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(i, 1);
    return entry.fault;
  }

  function getUpdates(params: Record<string, unknown>, res: ServerResponse): Answer | undefined {
    const rawOffset = num(params.offset) ?? 0;
    if (rawOffset > 0) {
      // Telegram forgets every update below the offset: they count as confirmed.
      while (queue.length > 0 && (queue[0]?.update_id ?? Infinity) < rawOffset) queue.shift();
    }
    const offset = rawOffset < 0 ? (queue.at(rawOffset)?.update_id ?? 0) : rawOffset;
    const limit = Math.min(100, Math.max(1, num(params.limit) ?? 100));
    const timeout = Math.min(MAX_POLL_SECONDS, Math.max(0, num(params.timeout) ?? 0));
    if (Array.isArray(params.allowed_updates)) allowed = params.allowed_updates.filter((k): k is string => typeof k === "string");
    if (webhookUrl !== "") return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    // Like Telegram, a new poll ends the one already waiting, which gets the 409.
    releaseHeld(fail(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"));
    const ready = pending(offset, limit);
    if (ready.length > 0 || timeout === 0) return ok(ready);
    const h: HeldPoll = { res, offset, limit, timer: setTimeout(() => releaseHeld(ok([])), timeout * 1000) };
    held = h;
    res.on("close", () => {
      if (held !== h) return;
      clearTimeout(h.timer);
      held = undefined;
    });
    return undefined;
  }

  function sendMessage(params: Record<string, unknown>): Answer {
    const chatId = params.chat_id === undefined ? "" : String(params.chat_id);
    if (!chats.has(chatId)) return fail(400, "Bad Request: chat not found");
    const text = typeof params.text === "string" ? params.text : "";
    if (text.trim() === "") return fail(400, "Bad Request: message text is empty");
    if (text.length > TEXT_LIMIT) return fail(400, "Bad Request: message is too long");
    const replyParams = obj(params.reply_parameters);
    const replyTo = num(replyParams?.message_id) ?? num(params.reply_to_message_id);
    const allowWithout = replyParams?.allow_sending_without_reply === true || params.allow_sending_without_reply === true;
    if (replyTo !== undefined && !allowWithout && !(knownMessages.get(chatId)?.has(replyTo) ?? false)) {
      return fail(400, "Bad Request: message to be replied not found");
    }
    if (!validButtons(params.reply_markup)) return fail(400, "Bad Request: BUTTON_DATA_INVALID");
    const messageId = allocateMessageId(chatId);
    const parseMode = typeof params.parse_mode === "string" ? params.parse_mode : undefined;
    const messageThreadId = num(params.message_thread_id);
    record(sent, { chatId, messageId, text, replyToMessageId: replyTo, parseMode, replyMarkup: params.reply_markup, messageThreadId, params });
    current.set(`${chatId}:${messageId}`, { text, replyMarkup: params.reply_markup, messageThreadId });
    return ok(botMessage(chatId, messageId, {
      ...(replyTo === undefined ? {} : { reply_to_message: { message_id: replyTo, date: 0, chat: chatObject(chatId) } }),
    }));
  }

  function botMessage(chatId: string, messageId: number, extra: Record<string, unknown>): Record<string, unknown> {
    const now = current.get(`${chatId}:${messageId}`);
    const keyboard = now === undefined ? undefined : keyboardOf(now.replyMarkup);
    return {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: chatObject(chatId),
      from: { id: bot.id, is_bot: true, first_name: "Fake admin bot", username: bot.username },
      text: now?.text ?? "",
      ...(now?.messageThreadId === undefined ? {} : { message_thread_id: now.messageThreadId, is_topic_message: true }),
      ...(keyboard === undefined ? {} : { reply_markup: { inline_keyboard: keyboard } }),
      ...extra,
    };
  }

  function editMessageText(params: Record<string, unknown>): Answer {
    if (params.inline_message_id !== undefined) return fail(400, "Bad Request: inline messages are not supported by this fake");
    const chatId = params.chat_id === undefined ? "" : String(params.chat_id);
    const messageId = num(params.message_id);
    const now = messageId === undefined ? undefined : current.get(`${chatId}:${messageId}`);
    if (!chats.has(chatId)) return fail(400, "Bad Request: chat not found");
    if (messageId === undefined || now === undefined) return fail(400, "Bad Request: message to edit not found");
    const text = typeof params.text === "string" ? params.text : "";
    if (text.trim() === "") return fail(400, "Bad Request: message text is empty");
    if (text.length > TEXT_LIMIT) return fail(400, "Bad Request: MESSAGE_TOO_LONG");
    if (!validButtons(params.reply_markup)) return fail(400, "Bad Request: BUTTON_DATA_INVALID");
    // Like Telegram, an edit without reply_markup removes the inline keyboard.
    if (text === now.text && JSON.stringify(keyboardOf(params.reply_markup) ?? []) === JSON.stringify(keyboardOf(now.replyMarkup) ?? [])) {
      return fail(400, NOT_MODIFIED);
    }
    const updated = { text, replyMarkup: params.reply_markup, messageThreadId: now.messageThreadId };
    current.set(`${chatId}:${messageId}`, updated);
    record(edits, { chatId, messageId, text, replyMarkup: params.reply_markup, params });
    return ok({ ...botMessage(chatId, messageId, {}), edit_date: Math.floor(Date.now() / 1000) });
  }

  function answerCallbackQuery(params: Record<string, unknown>): Answer {
    const id = typeof params.callback_query_id === "string" ? params.callback_query_id : String(params.callback_query_id ?? "");
    if (!openQueries.has(id)) return fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    const text = typeof params.text === "string" ? params.text : undefined;
    if (text !== undefined && text.length > CALLBACK_ANSWER_LIMIT) return fail(400, "Bad Request: MESSAGE_TOO_LONG");
    openQueries.delete(id);
    record(callbackAnswers, { callbackQueryId: id, text, showAlert: typeof params.show_alert === "boolean" ? params.show_alert : undefined, params });
    return ok(true);
  }

  function answer(method: string, params: Record<string, unknown>, res: ServerResponse): Answer | undefined {
    switch (method.toLowerCase()) {
      case "getme":
        return ok({ id: bot.id, is_bot: true, first_name: "Fake admin bot", username: bot.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case "getchat": {
        const c = chats.get(params.chat_id === undefined ? "" : String(params.chat_id));
        if (c === undefined) return fail(400, "Bad Request: chat not found");
        return ok({ ...c, accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } });
      }
      case "deletewebhook":
        webhookUrl = "";
        if (params.drop_pending_updates === true) queue.length = 0;
        return ok(true);
      case "setwebhook":
        webhookUrl = typeof params.url === "string" ? params.url : "";
        return ok(true);
      case "getupdates":
        return getUpdates(params, res);
      case "sendmessage":
        return sendMessage(params);
      case "editmessagetext":
        return editMessageText(params);
      case "answercallbackquery":
        return answerCallbackQuery(params);
      default:
        record(unknownMethods, method);
        return fail(404, "Not Found");
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)(?:\?.*)?$/.exec(req.url ?? "");
    let params: Record<string, unknown>;
    try {
      params = await readParams(req);
    } catch {
      return send(res, fail(400, "Bad Request: can't parse request body"));
    }
    if (match === null) return send(res, fail(404, "Not Found"));
    const method = match[2] ?? "";
    const atMs = Date.now();
    const fault = takeFault(method);
    if (fault !== undefined) {
      record(requests, { method, params, atMs, fault: fault.kind });
      switch (fault.kind) {
        case "drop":
          req.socket.destroy();
          return;
        case "http-502":
          return send(res, fail(502, "Bad Gateway"));
        case "http-500":
          return send(res, fail(500, "Internal Server Error"));
        case "rate-limit":
          return send(res, fail(429, `Too Many Requests: retry after ${fault.retryAfterSeconds}`, { retry_after: fault.retryAfterSeconds }));
        default:
          return fault satisfies never;
      }
    }
    if (tokenRejected || match[1] !== token) {
      record(requests, { method, params, atMs, rejected: true });
      return send(res, fail(401, "Unauthorized"));
    }
    record(requests, { method, params, atMs });
    const a = answer(method, params, res);
    if (a !== undefined) send(res, a);
  }

  function pushUpdate(update: Omit<FakeUpdate, "update_id"> & { update_id?: number }): number {
    if (queue.length >= MAX_QUEUED_UPDATES) throw new Error("fake telegram: too many queued updates");
    const update_id = update.update_id ?? nextUpdateId;
    nextUpdateId = Math.max(nextUpdateId, update_id + 1);
    queue.push({ ...update, update_id });
    const query = obj(update.callback_query);
    if (typeof query?.id === "string") openQueries.add(query.id);
    wakeHeld();
    return update_id;
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, fail(500, "Internal Server Error: fake")));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let connections = 0;
  server.on("connection", (socket) => {
    connections += 1;
    socket.on("close", () => {
      connections -= 1;
    });
  });

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    bot,
    sent,
    edits,
    callbackAnswers,
    requests,
    unknownMethods,
    pushUpdate,
    pushText({ chatId, fromId, text, isBot = false, date }) {
      const messageId = allocateMessageId(String(chatId));
      const updateId = pushUpdate({
        message: {
          message_id: messageId,
          date: date ?? Math.floor(Date.now() / 1000),
          chat: chatObject(String(chatId)),
          from: { id: fromId, is_bot: isBot, first_name: `user${fromId}` },
          text,
        },
      });
      return { updateId, messageId };
    },
    pushCallback({ fromId, isBot = false, chatId, messageId, data }) {
      const callbackQueryId = `cbq${nextQueryId++}`;
      const onMessage = chatId !== undefined && messageId !== undefined;
      const updateId = pushUpdate({
        callback_query: {
          id: callbackQueryId,
          from: { id: fromId, is_bot: isBot, first_name: `user${fromId}` },
          chat_instance: `ci${chatId ?? 0}`,
          ...(onMessage ? { message: botMessage(String(chatId), messageId, {}) } : { inline_message_id: `inline${callbackQueryId}` }),
          ...(data === undefined ? { game_short_name: "game" } : { data }),
        },
      });
      return { updateId, callbackQueryId };
    },
    message(chatId, messageId) {
      const now = current.get(`${chatId}:${messageId}`);
      return now === undefined ? undefined : { ...now };
    },
    allowedUpdates: () => allowed,
    rejectToken(reject) {
      tokenRejected = reject;
    },
    failNext(count, fault, methods) {
      if (count > 0) faults.push({ fault, remaining: count, methods });
    },
    clearFaults() {
      faults.length = 0;
    },
    heldPolls: () => (held === undefined ? 0 : 1),
    openConnections: () => connections,
    waitFor(predicate, timeoutMs, what = "condition") {
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = (): void => {
          if (predicate()) return resolve();
          if (closed || Date.now() >= deadline) return reject(new Error(`fake telegram: timed out after ${timeoutMs} ms waiting for ${what}`));
          const t = setTimeout(() => {
            waiters.delete(t);
            check();
          }, WAIT_STEP_MS);
          waiters.add(t);
        };
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of waiters) clearTimeout(t);
      waiters.clear();
      releaseHeld(ok([]));
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** The inline keyboard rows of a reply_markup; undefined when there is none. */
function keyboardOf(markup: unknown): unknown[] | undefined {
  const rows = obj(markup)?.inline_keyboard;
  return Array.isArray(rows) ? rows : undefined;
}

/** Every inline button's callback_data is 1-64 bytes, as Telegram requires. */
function validButtons(markup: unknown): boolean {
  for (const row of keyboardOf(markup) ?? []) {
    if (!Array.isArray(row)) return false;
    for (const button of row) {
      const data = obj(button)?.callback_data;
      if (data === undefined) continue;
      if (typeof data !== "string") return false;
      const bytes = Buffer.byteLength(data, "utf8");
      if (bytes < 1 || bytes > CALLBACK_DATA_MAX_BYTES) return false;
    }
  }
  return true;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Query string, JSON, urlencoded or multipart, like the Bot API; form values holding JSON (reply_parameters) are decoded. */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  for (const [k, v] of url.searchParams) params[k] = formValue(v);
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body.length === 0) return params;
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json")) {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    const o = obj(parsed);
    if (o === undefined) throw new Error("JSON body is not an object");
    return { ...params, ...o };
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": type } }).formData();
    for (const [k, v] of form) params[k] = typeof v === "string" ? formValue(v) : v;
    return params;
  }
  throw new Error(`unsupported content-type ${type}`);
}

function formValue(v: string): unknown {
  if (v.startsWith("{") || v.startsWith("[")) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  if (v === "true") return true;
  if (v === "false") return false;
  return v;
}
