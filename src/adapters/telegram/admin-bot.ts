// The Telegram admin/supervisor bot: long-polls its own bot token, hands each text message to src/admin as an AdminMessage and
// each button press to src/approvals as an ApprovalClick, posts replies and approval cards. No decision here. The only grammy import.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Bot, GrammyError, HttpError } from "grammy";
import type { CallbackQuery, Message, Update } from "grammy/types";
import type { AdminBot, AdminBotStatus, AdminHandler, AdminLog, AdminMessage, AdminReply } from "../../admin/types.ts";
import type { ApprovalCard, ApprovalClick, ApprovalClickHandler, PostedCard } from "../../approvals/types.ts";

/** Telegram refuses longer message texts. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram refuses longer answerCallbackQuery texts. */
export const CALLBACK_ANSWER_LIMIT = 200;
/** Telegram refuses longer (or empty) callback_data. */
const CALLBACK_DATA_MAX_BYTES = 64;
/** Answers to clicks the handler never saw; stable sentences (tests and docs quote them). */
export const CLICK_INVALID = "This button is not valid here.";
export const CLICK_UNHANDLED = "Approvals are not handled by this bot.";
export const CLICK_FAILED = "The coordinator could not process this click; nothing was decided.";
/** A 429 on a card, an edit or a click answer is waited out this many times; each wait is capped so a huge retry_after rejects instead. */
const MAX_RATE_LIMIT_RETRIES = 3;
const MAX_RETRY_AFTER_MS = 60_000;
/** Updates handled at once; the next getUpdates waits for a free slot, so a hung handler cannot queue updates without bound. */
export const MAX_UPDATES_IN_FLIGHT = 8;
const DEFAULT_POLL_TIMEOUT_SECONDS = 30;
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/** How long stop() waits for handlers still running before it closes the connections anyway. */
const STOP_GRACE_MS = 5_000;
/** Bound on the offset-confirming getUpdates that stop() sends. */
const CONFIRM_TIMEOUT_MS = 2_000;
/** Extra seconds a request may take beyond the long-poll timeout before the client gives up on a silent connection. */
const REQUEST_SLACK_SECONDS = 10;
const PREFIX = "telegram admin bot";

export type TelegramAdminBotOptions = {
  /** The admin bot's own token (ADMIN_TELEGRAM_TOKEN), never the agent's channel bot token. */
  token: string;
  /** The private admin chat: where start() checks access and post() sends. */
  chatId: string;
  handler: AdminHandler;
  /** Receives every Approve / Deny button press (callback_query); it decides and returns the answer shown to the clicker. */
  onApprovalClick?: ApprovalClickHandler | undefined;
  log: AdminLog;
  /** Bot API root without trailing slash (a self-hosted Bot API server, or a fake in tests). */
  apiRoot?: string | undefined;
  /** Long-poll timeout of getUpdates, in seconds. */
  pollTimeoutSeconds?: number | undefined;
  /** Waits between consecutive failed attempts; the last one repeats. A 429's retry_after takes precedence. */
  retryDelaysMs?: readonly number[] | undefined;
};

/** Maps a Telegram message to the platform-neutral shape; undefined when it has no text or no author. */
export function toAdminMessage(message: Message): AdminMessage | undefined {
  if (message.text === undefined || message.from === undefined) return undefined;
  return {
    platform: "telegram",
    chatId: String(message.chat.id),
    senderId: String(message.from.id),
    senderIsBot: message.from.is_bot,
    relayed: message.forward_origin !== undefined || message.via_bot !== undefined,
    text: message.text,
    messageId: String(message.message_id),
    sentAtMs: message.date * 1000,
  };
}

/** Maps a button press to the platform-neutral shape; undefined when it is not on a message (inline mode) or carries no data (game buttons). */
export function toApprovalClick(query: CallbackQuery): ApprovalClick | undefined {
  if (query.message === undefined || query.data === undefined) return undefined;
  return {
    platform: "telegram",
    chatId: String(query.message.chat.id),
    senderId: String(query.from.id),
    senderIsBot: query.from.is_bot,
    data: query.data,
    messageId: String(query.message.message_id),
  };
}

/** Cuts text to Telegram's limit (UTF-16 units, as Telegram counts) without splitting a surrogate pair. */
export function truncateForTelegram(text: string, limit = TELEGRAM_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The card as one plain-text message (no parse_mode: argument text cannot inject markup). */
function cardMessage(card: ApprovalCard): string {
  return truncateForTelegram(card.title.trim() === "" ? card.text : `${card.title}\n\n${card.text}`);
}

/** Removes the token from text that may embed it (request URLs in network errors). */
export function scrubToken(text: string, token: string): string {
  let out = text;
  if (token !== "") {
    out = out.split(token).join("<token>");
    const encoded = encodeURIComponent(token);
    if (encoded !== token) out = out.split(encoded).join("<token>");
  }
  // Anything still shaped like a bot token (another bot's, or one mangled by encoding) goes too.
  return out.replace(/\/bot[^/\s]+\//g, "/bot<token>/").replace(/\b[0-9]{5,}:[A-Za-z0-9_-]{20,}/g, "<token>");
}

type Failure = {
  /** Retrying cannot help: a rejected token or an inaccessible chat needs a config change. */
  fatal: boolean;
  /** Stable per kind of failure, so a retry with the same problem does not log again. */
  status: string;
  retryAfterMs?: number | undefined;
};

type Phase = "start" | "poll";

/** grammy types signals with its abort-controller shim; at runtime it only calls addEventListener/removeEventListener, which Node's AbortSignal has. */
type GrammySignal = NonNullable<Parameters<Bot["api"]["getMe"]>[0]>;
const forGrammy = (signal: AbortSignal): GrammySignal => signal as unknown as GrammySignal;

function classifyFailure(error: unknown, phase: Phase, chatId: string): Failure {
  if (error instanceof GrammyError) {
    const what = `${error.error_code} ${error.description}`;
    if (error.error_code === 401) {
      return { fatal: true, status: `${PREFIX}: the token was rejected (${what}); check ADMIN_TELEGRAM_TOKEN (the admin bot's token from @BotFather)` };
    }
    if (error.method === "getChat" && (error.error_code === 400 || error.error_code === 403)) {
      return {
        fatal: true,
        status: `${PREFIX}: the admin chat ${chatId} is not accessible (${what}); check admin.telegram.chatId, and send /start to the bot from that chat or add the bot to the group`,
      };
    }
    if (error.error_code === 409) {
      return { fatal: false, status: `${PREFIX}: another process is polling this bot token (${what}); run each admin bot token in one gateway only` };
    }
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after;
      return { fatal: false, status: `${PREFIX}: rate limited by the Bot API (${what}); waiting as told`, retryAfterMs: seconds === undefined ? undefined : seconds * 1000 };
    }
    if (error.error_code >= 500) return { fatal: false, status: `${PREFIX}: the Bot API failed (${what}); retrying` };
    // Any other refusal before polling started means the setup is wrong (a malformed token answers 404).
    if (phase === "start") return { fatal: true, status: `${PREFIX}: ${error.method} was refused (${what}); check ADMIN_TELEGRAM_TOKEN and admin.telegram.chatId` };
    return { fatal: false, status: `${PREFIX}: ${error.method} was refused (${what}); retrying` };
  }
  if (error instanceof HttpError) {
    return { fatal: false, status: `${PREFIX}: cannot reach the Bot API (${networkCause(error)}); retrying` };
  }
  return { fatal: false, status: `${PREFIX}: unexpected failure (${error instanceof Error ? error.message : String(error)}); retrying` };
}

/** The system error code (ECONNREFUSED, ECONNRESET...) rather than the cause's message, which carries the URL. */
function networkCause(error: HttpError): string {
  const inner: unknown = error.error;
  if (typeof inner === "object" && inner !== null && "code" in inner && typeof inner.code === "string") return `${error.message} ${inner.code}`;
  if (inner instanceof Error && inner.name === "AbortError") return `${error.message} timed out`;
  return error.message;
}

/** Resolves after ms, or at once when the signal aborts; never leaves a timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function validDelays(delays: readonly number[] | undefined): readonly number[] {
  const ok = (delays ?? []).filter((d) => Number.isFinite(d) && d >= 0);
  return ok.length > 0 ? ok : DEFAULT_RETRY_DELAYS_MS;
}

/** A bot that cannot run (grammy refuses an empty token): it reports why instead of throwing at construction. */
function createUnusableBot(reason: string, log: AdminLog): AdminBot {
  let reported = false;
  return {
    platform: "telegram",
    async start(): Promise<void> {
      if (!reported) log.error(reason);
      reported = true;
    },
    async stop(): Promise<void> {},
    status: () => ({ platform: "telegram", connected: false, error: reason }),
    post: () => Promise.reject(new Error(reason)),
    postApproval: () => Promise.reject(new Error(reason)),
    updateApproval: () => Promise.reject(new Error(reason)),
  };
}

export function createTelegramAdminBot(options: TelegramAdminBotOptions): AdminBot {
  const { token, chatId, handler, onApprovalClick, log } = options;
  if (token.trim() === "") return createUnusableBot(`${PREFIX}: no token configured; set ADMIN_TELEGRAM_TOKEN`, log);
  const pollTimeoutSeconds = Math.max(0, Math.floor(options.pollTimeoutSeconds ?? DEFAULT_POLL_TIMEOUT_SECONDS));
  const retryDelaysMs = validDelays(options.retryDelaysMs);
  const apiRoot = (options.apiRoot ?? "https://api.telegram.org").replace(/\/+$/, "");
  // Our own keep-alive agent, so stop() can close every connection this bot opened.
  const agent = apiRoot.startsWith("http:") ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const bot = new Bot(token, {
    client: { apiRoot, timeoutSeconds: pollTimeoutSeconds + REQUEST_SLACK_SECONDS, baseFetchConfig: { agent } },
  });
  const scrub = (text: string): string => scrubToken(text, token);

  let connected = false;
  let error: string | undefined;
  let lastSeenMs: number | undefined;
  let phase: "idle" | "running" | "stopping" | "stopped" = "idle";
  const abort = new AbortController();
  let loop: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  /** update_id + 1 of the last update handed out; undefined until the first one. */
  let offset: number | undefined;
  /** The offset Telegram has been told, so stop() only confirms when there is something to confirm. */
  let confirmed: number | undefined;

  /** Logs only when the (connected, error) pair changes: one line per state change, not one per retry. */
  function setState(nowConnected: boolean, rawError: string | undefined, fatal = false): void {
    const nowError = rawError === undefined ? undefined : scrub(rawError);
    const changed = nowConnected !== connected || nowError !== error;
    const wasDown = !connected && error !== undefined;
    connected = nowConnected;
    error = nowError;
    if (!changed) return;
    if (error === undefined) {
      if (connected && wasDown) log.info(`${PREFIX}: reconnected`);
    } else if (fatal) log.error(error);
    else log.warn(error);
  }

  bot.on("message:text", async (ctx) => {
    const msg = toAdminMessage(ctx.message);
    if (msg === undefined) return;
    let reply: AdminReply;
    try {
      reply = await handler(msg);
    } catch (err) {
      log.error(`${PREFIX}: the admin handler failed on message ${msg.messageId} in chat ${msg.chatId}: ${scrub(err instanceof Error ? err.message : String(err))}`);
      return;
    }
    if (reply === undefined || reply.text.trim() === "") return;
    try {
      await ctx.reply(truncateForTelegram(reply.text), {
        reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true },
      });
    } catch (err) {
      log.warn(`${PREFIX}: could not send the reply to message ${msg.messageId} in chat ${msg.chatId}: ${describe(err)}`);
    }
  });

  bot.on("callback_query", async (ctx) => {
    const query = ctx.callbackQuery;
    const text = await clickAnswer(query);
    try {
      await withRateLimitRetry(() => bot.api.answerCallbackQuery(query.id, { text: truncateForTelegram(text, CALLBACK_ANSWER_LIMIT), show_alert: false }));
    } catch (err) {
      log.warn(`${PREFIX}: could not answer the button press ${query.id} by ${query.from.id}: ${describe(err)}`);
    }
  });

  /** What the clicker is told; the handler (src/approvals) decides everything about a click that is on a message and carries data. */
  async function clickAnswer(query: CallbackQuery): Promise<string> {
    const click = toApprovalClick(query);
    if (click === undefined) return CLICK_INVALID;
    if (onApprovalClick === undefined) return CLICK_UNHANDLED;
    try {
      return (await onApprovalClick(click)).text;
    } catch (err) {
      log.error(`${PREFIX}: the approval handler failed on a button press by ${click.senderId} on message ${click.messageId ?? "?"} in chat ${click.chatId}: ${describe(err)}`);
      return CLICK_FAILED;
    }
  }

  /** Waits out a 429 (bounded in count and length; stop() cuts the wait short); any other failure rejects at once. */
  async function withRateLimitRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let retries = 0; ; retries++) {
      try {
        return await call();
      } catch (err) {
        const seconds = err instanceof GrammyError && err.error_code === 429 ? err.parameters.retry_after : undefined;
        const waitMs = seconds === undefined ? undefined : seconds * 1000;
        if (waitMs === undefined || waitMs > MAX_RETRY_AFTER_MS || retries >= MAX_RATE_LIMIT_RETRIES || abort.signal.aborted) throw err;
        await sleep(waitMs, abort.signal);
        if (abort.signal.aborted) throw err;
      }
    }
  }

  function describe(err: unknown): string {
    if (err instanceof HttpError) return scrub(networkCause(err));
    return scrub(err instanceof Error ? err.message : String(err));
  }

  function delayFor(failures: number, failure: Failure): number {
    if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
    return retryDelaysMs[Math.min(failures - 1, retryDelaysMs.length - 1)] ?? 0;
  }

  /** getMe + getChat + deleteWebhook, retried on transient failures; false when stopped or fatally misconfigured. */
  async function connect(signal: AbortSignal): Promise<boolean> {
    for (let failures = 1; !signal.aborted; failures++) {
      try {
        bot.botInfo = await bot.api.getMe(forGrammy(signal));
        await bot.api.getChat(chatId, forGrammy(signal));
        // Long polling only works without a webhook; keep pending updates (stale ones are refused by src/admin).
        await bot.api.deleteWebhook({ drop_pending_updates: false }, forGrammy(signal));
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        const failure = classifyFailure(err, "start", chatId);
        setState(false, failure.status, failure.fatal);
        settleStart();
        if (failure.fatal) return false;
        await sleep(delayFor(failures, failure), signal);
      }
    }
    return false;
  }

  async function poll(signal: AbortSignal): Promise<void> {
    let failures = 0;
    const aborted = untilAborted(signal);
    while (!signal.aborted) {
      let updates: Update[];
      try {
        // Right after a failure, a short poll proves the connection works instead of holding it for the full timeout.
        const timeout = failures > 0 ? 0 : pollTimeoutSeconds;
        updates = await bot.api.getUpdates({ ...(offset === undefined ? {} : { offset }), timeout, allowed_updates: ["message", "callback_query"] }, forGrammy(signal));
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        const failure = classifyFailure(err, "poll", chatId);
        setState(false, failure.status, failure.fatal);
        if (failure.fatal) return;
        await sleep(delayFor(failures, failure), signal);
        continue;
      }
      confirmed = offset;
      failures = 0;
      lastSeenMs = Date.now();
      setState(true, undefined);
      for (const update of updates) {
        while (inFlight.size >= MAX_UPDATES_IN_FLIGHT && !signal.aborted) await Promise.race([...inFlight, aborted]);
        if (signal.aborted) return;
        offset = update.update_id + 1;
        const handling = handleUpdate(update).finally(() => inFlight.delete(handling));
        inFlight.add(handling);
      }
    }
  }

  /** Never rejects: middleware failures are logged with the update id only. */
  async function handleUpdate(update: Update): Promise<void> {
    try {
      await bot.handleUpdate(update);
    } catch (err) {
      log.error(`${PREFIX}: update ${update.update_id} failed: ${describe(err)}`);
    }
  }

  let settleStart: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    settleStart = resolve;
  });

  async function run(): Promise<void> {
    try {
      if (!(await connect(abort.signal))) return;
      const me = bot.botInfo;
      setState(true, undefined);
      lastSeenMs = Date.now();
      log.info(`${PREFIX}: connected as @${me.username} (${me.id}); long polling for the admin chat ${chatId}`);
      settleStart();
      await poll(abort.signal);
    } catch (err) {
      // A bug in the loop must not become an unhandled rejection that takes the gateway down.
      setState(false, `${PREFIX}: the update loop failed (${describe(err)}); restart the gateway`, true);
    } finally {
      connected = false;
      settleStart();
    }
  }

  async function shutdown(): Promise<void> {
    abort.abort();
    await loop;
    if (offset !== undefined && offset !== confirmed) {
      // Tell Telegram the updates already handed out are done, so a restart does not receive them again.
      await bot.api.getUpdates({ offset, limit: 1, timeout: 0 }, forGrammy(AbortSignal.timeout(CONFIRM_TIMEOUT_MS))).catch(() => undefined);
    }
    if (inFlight.size > 0) {
      const grace = new AbortController();
      await Promise.race([Promise.allSettled([...inFlight]), sleep(STOP_GRACE_MS, grace.signal)]);
      grace.abort();
    }
    agent.destroy();
    connected = false;
    phase = "stopped";
    log.info(`${PREFIX}: stopped`);
  }

  return {
    platform: "telegram",
    start(): Promise<void> {
      if (phase === "idle") {
        phase = "running";
        loop = run();
      }
      return started;
    },
    stop(): Promise<void> {
      if (phase === "idle") {
        phase = "stopped";
        settleStart();
        agent.destroy();
        return Promise.resolve();
      }
      if (phase === "stopped") return stopping ?? Promise.resolve();
      if (stopping === undefined) {
        phase = "stopping";
        stopping = shutdown();
      }
      return stopping;
    },
    status(): AdminBotStatus {
      return { platform: "telegram", connected, error, lastSeenMs };
    },
    async post(text: string): Promise<void> {
      try {
        await bot.api.sendMessage(chatId, truncateForTelegram(text));
      } catch (err) {
        throw new Error(`${PREFIX}: could not post to the admin chat ${chatId}: ${describe(err)}`);
      }
    },
    async postApproval(card: ApprovalCard): Promise<PostedCard> {
      const target = card.target?.chatId ?? chatId;
      const topic = card.target?.topicId;
      const threadId = topic === undefined ? undefined : Number(topic);
      if (threadId !== undefined && (!Number.isSafeInteger(threadId) || threadId <= 0)) {
        throw new Error(`${PREFIX}: cannot post an approval card to topic "${topic}" of chat ${target}: a topic id is a positive integer (message_thread_id)`);
      }
      for (const data of [card.approveData, card.denyData]) {
        const bytes = Buffer.byteLength(data, "utf8");
        if (bytes === 0 || bytes > CALLBACK_DATA_MAX_BYTES) {
          throw new Error(`${PREFIX}: cannot post an approval card to chat ${target}: button data must be 1-${CALLBACK_DATA_MAX_BYTES} bytes (got ${bytes})`);
        }
      }
      try {
        const sent = await withRateLimitRetry(() =>
          bot.api.sendMessage(target, cardMessage(card), {
            reply_markup: {
              inline_keyboard: [
                [
                  { text: "Approve", callback_data: card.approveData },
                  { text: "Deny", callback_data: card.denyData },
                ],
              ],
            },
            // Arguments may hold URLs: no preview fetch.
            link_preview_options: { is_disabled: true },
            ...(threadId === undefined ? {} : { message_thread_id: threadId }),
          }),
        );
        return {
          platform: "telegram",
          chatId: String(sent.chat.id),
          messageId: String(sent.message_id),
          ...(threadId === undefined ? {} : { threadId: String(threadId) }),
        };
      } catch (err) {
        throw new Error(`${PREFIX}: could not post an approval card to chat ${target}: ${describe(err)}`);
      }
    },
    async updateApproval(posted: PostedCard, text: string): Promise<void> {
      const messageId = Number(posted.messageId);
      if (posted.platform !== "telegram" || !Number.isSafeInteger(messageId) || messageId <= 0) {
        throw new Error(`${PREFIX}: cannot update approval card ${posted.platform}:${posted.chatId}/${posted.messageId}: not a Telegram message`);
      }
      if (text.trim() === "") throw new Error(`${PREFIX}: refusing to replace approval card ${posted.messageId} in chat ${posted.chatId} with an empty text`);
      try {
        await withRateLimitRetry(() =>
          bot.api.editMessageText(posted.chatId, messageId, truncateForTelegram(text), {
            // An empty keyboard removes the buttons.
            reply_markup: { inline_keyboard: [] },
            link_preview_options: { is_disabled: true },
          }),
        );
      } catch (err) {
        // A repeated update (a retry after a lost answer) finds the card already showing this outcome.
        if (err instanceof GrammyError && err.error_code === 400 && err.description.includes("message is not modified")) return;
        throw new Error(`${PREFIX}: could not update approval card ${posted.messageId} in chat ${posted.chatId}: ${describe(err)}`);
      }
    },
  };
}
