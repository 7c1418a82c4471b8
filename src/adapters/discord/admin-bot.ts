// The Discord admin/supervisor bot (the only discord.js import): gateway messages -> AdminMessage, reply text -> the admin channel;
// approval cards with buttons and a thread, button presses -> ApprovalClick -> ephemeral answer. No authorisation here.
import {
  ButtonStyle,
  ChannelType,
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  MessageFlags,
  MessageReferenceType,
  Routes,
  type APIChannel,
  type APIMessage,
  type ButtonInteraction,
  type Interaction,
  type Message,
  type MessageComponentInteraction,
} from "discord.js";
import type { AdminBot, AdminBotStatus, AdminHandler, AdminLog, AdminMessage } from "../../admin/types.ts";
import type { ApprovalCard, ApprovalClick, ApprovalClickHandler, PostedCard } from "../../approvals/types.ts";

export type DiscordAdminBotOptions = {
  token: string;
  guildId: string;
  channelId: string;
  handler: AdminHandler;
  /** Receives every button press (INTERACTION_CREATE, message component); it decides and returns the text shown to the clicker only. */
  onApprovalClick?: ApprovalClickHandler | undefined;
  log: AdminLog;
  /** REST base including `/api` (e.g. `http://127.0.0.1:PORT/api`); default Discord's. The gateway URL comes from `GET /gateway/bot`. */
  apiRoot?: string | undefined;
  /** Waits between connection attempts after a transient failure (the last one repeats). */
  retryDelaysMs?: readonly number[] | undefined;
  /** How long a press waits for the handler before the bot defers its answer (Discord allows 3 s); tests shorten it. */
  clickDeferMs?: number | undefined;
};

/** Discord refuses longer message content. */
const MAX_CONTENT_CHARS = 2000;
/** Discord refuses longer embed descriptions, thread names and custom_ids. */
const MAX_EMBED_DESCRIPTION_CHARS = 4096;
const MAX_THREAD_NAME_CHARS = 100;
const MAX_CUSTOM_ID_CHARS = 100;
/** Threads on cards archive after a day without messages (Discord's choices: 60, 1440, 4320, 10080 minutes). */
const THREAD_AUTO_ARCHIVE_MINUTES = 1440;
/** Discord drops an interaction not answered within 3 s; a handler still running after this gets a deferred answer first. */
const DEFAULT_CLICK_DEFER_MS = 2_000;
/** discord.js waits out 429s itself; a wait longer than this rejects instead (a card or command reply an hour late helps nobody). */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** Button presses handled at once; more are answered as busy (a press can be repeated, a queued one would time out). */
const MAX_CLICKS_IN_FLIGHT = 32;
/** Interaction payloads remembered for the parent channel of uncached threads. */
const MAX_REMEMBERED_PARENTS = 256;
/** Answers to presses the handler never saw, or could not handle; stable sentences (the Telegram bot uses the same). */
export const CLICK_INVALID = "This button is not valid here.";
export const CLICK_UNHANDLED = "Approvals are not handled by this bot.";
export const CLICK_FAILED = "The coordinator could not process this click; nothing was decided.";
export const CLICK_BUSY = "The coordinator is busy; nothing was decided. Press the button again in a moment.";
/** Handler calls running at once; the rest wait in order. */
const MAX_IN_FLIGHT = 8;
/** Messages waiting for a handler slot; beyond this they are dropped (and logged once per burst). */
const MAX_QUEUED = 1000;
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];
/** start() resolves after this even when neither ready nor failed (discord.js keeps trying; status says so). */
const START_WAIT_MS = 30_000;
/** stop() waits at most this long for a login in flight to settle before it destroys the client. */
const STOP_WAIT_MS = 3_000;
const PREFIX = "discord admin bot: ";
/** How long stop() lets discord.js close the gateway politely before cutting the socket (see reapShards). */
const CLIENT_DESTROY_WAIT_MS = 2_000;
const SHARD_DESTROY_WAIT_MS = 1_000;
const TOKEN_FIX = "check ADMIN_DISCORD_TOKEN";
/** Gateway close codes after which discord.js gives up; each needs an operator fix. */
const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [4004, `the token was rejected (gateway close 4004 authentication failed); ${TOKEN_FIX}`],
  [4010, "Discord closed the gateway (4010 invalid shard); this bot runs one shard, report this as a bug"],
  [4011, "Discord requires sharding for this bot (4011); use a dedicated admin bot that is in few guilds"],
  [4012, "Discord closed the gateway (4012 invalid API version); upgrade discord.js"],
  [4013, "Discord closed the gateway (4013 invalid intents); report this as a bug"],
  [
    4014,
    "Discord refused the gateway intents (4014 disallowed intents); enable Message Content Intent for the bot in the Discord developer portal (Bot -> Privileged Gateway Intents)",
  ],
]);
/** Shapes of Discord bot tokens, redacted even when they are not the configured one. */
const TOKEN_SHAPE = /[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g;

type Failure = { fatal: boolean; text: string };

type Attempt = {
  readonly client: Client;
  /** The login promise settled (resolved or rejected). */
  loginSettled: boolean;
  /** The channel check passed; gateway events now drive `connected`. */
  verified: boolean;
  ended: boolean;
  closing: Promise<void> | undefined;
};

/** The @discordjs/ws shard objects behind a client (internal API, read defensively; empty when the layout differs). */
type GatewayShard = { internalConnect?: unknown; destroy?: unknown; connection?: unknown; heartbeatInterval?: unknown };

function gatewayShards(client: Client): GatewayShard[] {
  const manager = (client.ws as unknown as { _ws?: { strategy?: { shards?: unknown } } | null })._ws;
  const shards = manager?.strategy?.shards;
  return shards instanceof Map ? ([...shards.values()] as GatewayShard[]) : [];
}

/** Waits for `promise` to settle, at most `ms`; never rejects and leaves no timer behind. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.then(noop, noop), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function noop(): void {}

/*
 * @discordjs/ws 1.2 shards can outlive destroy(); each of these keeps the old session running and the process alive:
 * - destroy() during the 500 ms pause before a reconnect finds the shard idle, does nothing, and the shard reconnects;
 * - destroy() while the shard waits for HELLO or READY aborts that wait, which the shard takes for a timeout and answers
 *   with a second destroy-and-reconnect; that one also unhooks the socket close the first destroy() awaits, so
 *   client.destroy() never settles;
 * - destroy() leaves a socket that is still CONNECTING open.
 * So before destroying, reconnects are disabled on each shard; after it (or after a bounded wait), its socket is cut.
 */
function preventReconnect(shard: GatewayShard): void {
  if (typeof shard.internalConnect === "function") shard.internalConnect = async () => {};
}

async function reapShards(shards: readonly GatewayShard[]): Promise<void> {
  for (const shard of shards) preventReconnect(shard);
  for (const shard of shards) {
    if (typeof shard.destroy === "function") {
      const destroy = shard.destroy as (this: GatewayShard, o: { code: number; reason: string }) => Promise<void>;
      await settleWithin(destroy.call(shard, { code: 1000, reason: "admin bot stopped" }), SHARD_DESTROY_WAIT_MS);
    }
    const heartbeat = shard.heartbeatInterval;
    if (heartbeat !== null && typeof heartbeat === "object") clearInterval(heartbeat as NodeJS.Timeout);
    const connection = shard.connection as { readyState?: unknown; onerror?: unknown; terminate?: unknown } | null | undefined;
    if (connection !== null && connection !== undefined && (connection.readyState === 0 || connection.readyState === 1 || connection.readyState === 2)) {
      // ws emits "error" when a handshake is aborted; without a listener that would crash the process.
      connection.onerror = noop;
      if (typeof connection.terminate === "function") (connection.terminate as () => void).call(connection);
    }
  }
}

export function createDiscordAdminBot(options: DiscordAdminBotOptions): AdminBot {
  const { token, guildId, channelId, handler, onApprovalClick, log } = options;
  const clickDeferMs = options.clickDeferMs !== undefined && options.clickDeferMs >= 0 ? options.clickDeferMs : DEFAULT_CLICK_DEFER_MS;
  const retryDelaysMs = options.retryDelaysMs !== undefined && options.retryDelaysMs.length > 0 ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;

  const scrub = (text: string): string => {
    let out = token.length > 0 ? text.split(token).join("[redacted]") : text;
    out = out.replace(TOKEN_SHAPE, "[redacted]");
    return out;
  };
  const prefixed = (text: string): string => `${PREFIX}${scrub(text)}`;

  let connected = false;
  let error: string | undefined;
  let lastSeenMs: number | undefined;
  let current: Attempt | undefined;
  let started = false;
  let stopped = false;
  let failedAttempts = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let startWaitTimer: NodeJS.Timeout | undefined;
  let settleStart: (() => void) | undefined;
  let startPromise: Promise<void> | undefined;
  let stopPromise: Promise<void> | undefined;
  let lastLogged: string | undefined;

  const inFlight = { count: 0 };
  let clicksInFlight = 0;
  /** interaction id -> parent channel id from the raw payload, for presses in threads discord.js has not cached. */
  const rawParents = new Map<string, string>();
  const queue: Message[] = [];
  let droppedLogged = false;

  /** Logs a state line only when it differs from the previous one, so retries do not repeat it. */
  function logState(level: "info" | "warn" | "error", text: string): void {
    if (text === lastLogged) return;
    lastLogged = text;
    log[level](text);
  }

  function finishStart(): void {
    if (startWaitTimer !== undefined) clearTimeout(startWaitTimer);
    startWaitTimer = undefined;
    const settle = settleStart;
    settleStart = undefined;
    settle?.();
  }

  function describeError(err: unknown): Failure {
    if (typeof err !== "object" || err === null) return { fatal: false, text: scrub(String(err)) };
    const e = err as { code?: unknown; status?: unknown; message?: unknown; name?: unknown; retryAfter?: unknown };
    const message = typeof e.message === "string" ? e.message : String(err);
    if (typeof e.name === "string" && e.name.startsWith("RateLimitError") && typeof e.retryAfter === "number") {
      return { fatal: false, text: `Discord rate limited the request for ${Math.max(1, Math.round(e.retryAfter / 1000))} s; try again later` };
    }
    if (e.code === "TokenInvalid" || e.status === 401) {
      return { fatal: true, text: `the token was rejected (401 Unauthorized from Discord); ${TOKEN_FIX}` };
    }
    // @discordjs/ws rejects login with this after a 4004 close (normally reported by shardDisconnect first).
    if (message === "Authentication failed") return { fatal: true, text: FATAL_CLOSE_CODES.get(4004) ?? message };
    if (typeof e.status === "number") {
      // DiscordAPIError (4xx with a JSON body) or HTTPError (5xx after discord.js's own retries).
      if (e.status === 429 || e.status >= 500) return { fatal: false, text: `Discord answered ${e.status} (${scrub(message)})` };
      return { fatal: true, text: `Discord refused a request with ${e.status} (${scrub(message)})` };
    }
    const code = typeof e.code === "string" ? e.code : undefined;
    const cause = (e as { cause?: { code?: unknown } }).cause;
    const causeCode = typeof cause?.code === "string" ? cause.code : undefined;
    const net = code ?? causeCode;
    if (net !== undefined && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(net)) {
      return { fatal: false, text: `cannot reach Discord (${net}); check the network or a proxy` };
    }
    if (e.name === "AbortError") return { fatal: false, text: "Discord did not answer in time" };
    return { fatal: false, text: scrub(message) };
  }

  function retryDelay(): number {
    const i = Math.min(failedAttempts - 1, retryDelaysMs.length - 1);
    return retryDelaysMs[Math.max(i, 0)] ?? 0;
  }

  /** Ends an attempt: records the error, closes its client, and either gives up (fatal) or schedules the next one. */
  async function failAttempt(attempt: Attempt, failure: Failure): Promise<void> {
    if (attempt.ended || attempt !== current) return;
    attempt.ended = true;
    connected = false;
    error = prefixed(failure.text);
    if (failure.fatal) {
      logState("error", `${error}; not retrying`);
    } else {
      failedAttempts++;
      logState("warn", `${error}; retrying with backoff`);
    }
    finishStart();
    await closeAttempt(attempt);
    if (failure.fatal || stopped || attempt !== current) return;
    current = undefined;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!stopped) beginAttempt();
    }, retryDelay());
    retryTimer.unref();
  }

  function closeAttempt(attempt: Attempt): Promise<void> {
    attempt.closing ??= destroyAttempt(attempt);
    return attempt.closing;
  }

  async function destroyAttempt(attempt: Attempt): Promise<void> {
    // Let a login in flight finish first (bounded): destroying while discord.js still fetches the gateway URL
    // leaves the shard it spawns next unmanaged, and destroying while it waits for HELLO/READY trips the
    // @discordjs/ws races described at reapShards. A 4004 close settles login too.
    const deadline = Date.now() + STOP_WAIT_MS;
    while (!attempt.loginSettled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const shards = gatewayShards(attempt.client);
    for (const shard of shards) preventReconnect(shard);
    const destroyed = attempt.client.destroy().catch((err: unknown) => {
      log.warn(prefixed(`closing the Discord client failed: ${describeError(err).text}`));
    });
    await settleWithin(destroyed, CLIENT_DESTROY_WAIT_MS);
    await reapShards(shards);
  }

  /** Gateway activity or a login success on an ended attempt means a shard escaped destroy(): close it once closing is done. */
  function reapIfEnded(attempt: Attempt): boolean {
    if (!attempt.ended) return false;
    void (attempt.closing ?? Promise.resolve()).then(() => reapShards(gatewayShards(attempt.client)));
    return true;
  }

  async function verifyChannel(attempt: Attempt): Promise<void> {
    let failure: Failure | undefined;
    try {
      const channel = await attempt.client.channels.fetch(channelId, { force: true });
      if (channel === null) {
        // discord.js returns null for a channel of a guild the bot is not in (or of a type it does not know).
        failure = {
          fatal: true,
          text: `the admin channel ${channelId} is not in a guild the bot is a member of; check admin.discord.guildId and admin.discord.channelId`,
        };
      } else if (channel.isDMBased() || channel.guildId !== guildId) {
        failure = {
          fatal: true,
          text: `the admin channel ${channelId} is not in the configured guild ${guildId}; check admin.discord.guildId and admin.discord.channelId`,
        };
      } else if (!channel.isTextBased()) {
        failure = { fatal: true, text: `the admin channel ${channelId} is not a text channel; pick a text channel` };
      }
    } catch (err) {
      const e = err as { code?: unknown; status?: unknown };
      if (e.code === 10003 || e.status === 404) {
        failure = { fatal: true, text: `the admin channel ${channelId} does not exist (Discord: Unknown Channel); check admin.discord.channelId` };
      } else if (e.code === 50001 || e.status === 403) {
        failure = {
          fatal: true,
          text: `the bot cannot see the admin channel ${channelId} (Discord: Missing Access); invite it to guild ${guildId} and allow View Channel and Send Messages`,
        };
      } else {
        failure = describeError(err);
      }
    }
    if (failure !== undefined) {
      await failAttempt(attempt, failure);
      return;
    }
    if (attempt.ended || attempt !== current) return;
    attempt.verified = true;
    failedAttempts = 0;
    connected = true;
    error = undefined;
    lastSeenMs = Date.now();
    logState("info", `${PREFIX}connected as ${attempt.client.user?.id ?? "?"}, admin channel ${channelId} in guild ${guildId}`);
    finishStart();
  }

  function toAdminMessage(message: Message): AdminMessage {
    return {
      platform: "discord",
      chatId: message.channelId,
      guildId: message.guildId ?? undefined,
      senderId: message.author.id,
      senderIsBot: message.author.bot,
      // A forward carries someone else's words; a webhook post has no user behind the author id.
      relayed: message.reference?.type === MessageReferenceType.Forward || message.messageSnapshots.size > 0 || message.webhookId !== null,
      text: message.content,
      messageId: message.id,
      sentAtMs: message.createdTimestamp,
    };
  }

  async function handleOne(message: Message): Promise<void> {
    let replyText: string | undefined;
    try {
      const reply = await handler(toAdminMessage(message));
      replyText = reply?.text;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      log.error(prefixed(`the admin handler failed on message ${message.id} in channel ${message.channelId}: ${why}`));
      return;
    }
    if (replyText === undefined || replyText.trim().length === 0 || stopped) return;
    try {
      await message.reply({ content: truncate(replyText), allowedMentions: { parse: [] } });
    } catch (err) {
      log.warn(prefixed(`could not post the reply to message ${message.id} in channel ${message.channelId}: ${describeError(err).text}`));
    }
  }

  function runHandler(message: Message): void {
    inFlight.count++;
    void handleOne(message).finally(() => {
      inFlight.count--;
      const next = stopped ? undefined : queue.shift();
      if (next !== undefined) runHandler(next);
      else if (queue.length === 0) droppedLogged = false;
    });
  }

  function onMessage(attempt: Attempt, message: Message): void {
    if (stopped || attempt !== current || attempt.ended) return;
    lastSeenMs = Date.now();
    if (message.author.id === attempt.client.user?.id) return; // our own replies and posts
    if (message.system || typeof message.content !== "string" || message.content.length === 0) return;
    if (inFlight.count < MAX_IN_FLIGHT) {
      runHandler(message);
    } else if (queue.length < MAX_QUEUED) {
      queue.push(message);
    } else if (!droppedLogged) {
      droppedLogged = true;
      log.warn(prefixed(`more than ${MAX_QUEUED} messages waiting for the admin handler; dropping new ones until the queue drains`));
    }
  }

  function beginAttempt(): void {
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      // A reply still posts when the operator's message was deleted meanwhile.
      failIfNotExists: false,
      allowedMentions: { parse: [] },
      rest: {
        ...(options.apiRoot === undefined ? {} : { api: options.apiRoot }),
        rejectOnRateLimit: (limit) => limit.retryAfter > MAX_RATE_LIMIT_WAIT_MS,
      },
    });
    const attempt: Attempt = {
      client,
      loginSettled: false,
      verified: false,
      ended: false,
      closing: undefined,
    };
    current = attempt;

    client.once(Events.ClientReady, () => {
      if (!reapIfEnded(attempt)) void verifyChannel(attempt);
    });
    client.on(Events.ShardReady, () => {
      if (reapIfEnded(attempt) || !attempt.verified) return;
      onConnected();
    });
    client.on(Events.ShardResume, () => {
      if (reapIfEnded(attempt) || !attempt.verified) return;
      onConnected();
    });
    client.on(Events.ShardReconnecting, () => {
      if (reapIfEnded(attempt)) return;
      connected = false;
      if (attempt.verified) {
        logState("warn", `${PREFIX}gateway connection lost; reconnecting`);
        return;
      }
      // Still before the first ready: say so now rather than leave start() waiting; discord.js keeps trying.
      error = prefixed("the gateway connection failed before it was ready; reconnecting");
      logState("warn", error);
      finishStart();
    });
    client.on(Events.ShardDisconnect, (event) => {
      if (attempt.ended) return;
      const known = FATAL_CLOSE_CODES.get(event.code);
      void failAttempt(attempt, { fatal: true, text: known ?? `Discord closed the gateway for good (code ${event.code})` });
    });
    client.on(Events.ShardError, (err) => {
      if (attempt.ended) return;
      logState("warn", prefixed(`gateway error: ${describeError(err).text}`));
    });
    client.on(Events.Error, (err) => {
      log.warn(prefixed(`client error: ${describeError(err).text}`));
    });
    client.on(Events.MessageCreate, (message) => onMessage(attempt, message));
    client.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => rememberParent(packet));
    client.on(Events.InteractionCreate, (interaction) => onInteraction(attempt, interaction));

    client.login(token).then(
      () => {
        attempt.loginSettled = true;
        // A login that finished after stop() or after this attempt was abandoned must not keep its socket open.
        reapIfEnded(attempt);
      },
      (err: unknown) => {
        attempt.loginSettled = true;
        void failAttempt(attempt, describeError(err));
      },
    );
  }

  function rememberParent(packet: { t?: unknown; d?: unknown }): void {
    if (packet.t !== "INTERACTION_CREATE" || typeof packet.d !== "object" || packet.d === null) return;
    const d = packet.d as { id?: unknown; channel?: { parent_id?: unknown; type?: unknown } };
    const parent = d.channel?.parent_id;
    const isThread = d.channel?.type === ChannelType.PublicThread || d.channel?.type === ChannelType.PrivateThread || d.channel?.type === ChannelType.AnnouncementThread;
    if (typeof d.id !== "string" || typeof parent !== "string" || !isThread) return;
    rawParents.set(d.id, parent);
    if (rawParents.size > MAX_REMEMBERED_PARENTS) rawParents.delete(rawParents.keys().next().value ?? "");
  }

  function toApprovalClick(interaction: ButtonInteraction): ApprovalClick {
    const channel = interaction.channel;
    const cachedParent = channel !== null && channel.isThread() ? (channel.parentId ?? undefined) : undefined;
    const parent = cachedParent ?? rawParents.get(interaction.id);
    rawParents.delete(interaction.id);
    return {
      platform: "discord",
      chatId: interaction.channelId,
      ...(interaction.guildId === null ? {} : { guildId: interaction.guildId }),
      ...(parent === undefined ? {} : { parentChatId: parent }),
      senderId: interaction.user.id,
      senderIsBot: interaction.user.bot,
      data: interaction.customId,
      messageId: interaction.message.id,
    };
  }

  function onInteraction(attempt: Attempt, interaction: Interaction): void {
    if (stopped || attempt !== current || attempt.ended) return;
    lastSeenMs = Date.now();
    // Commands and modals are not ours (the bot registers none); other components on our messages are answered as not valid.
    if (!interaction.isMessageComponent()) return;
    if (!interaction.isButton()) {
      rawParents.delete(interaction.id);
      void answerClick(interaction, Promise.resolve(CLICK_INVALID));
      return;
    }
    if (clicksInFlight >= MAX_CLICKS_IN_FLIGHT) {
      rawParents.delete(interaction.id);
      void answerClick(interaction, Promise.resolve(CLICK_BUSY));
      return;
    }
    clicksInFlight++;
    void answerClick(interaction, clickAnswer(toApprovalClick(interaction))).finally(() => clicksInFlight--);
  }

  /** The text for the clicker; never rejects. Every decision about the press is the handler's (src/approvals). */
  async function clickAnswer(click: ApprovalClick): Promise<string> {
    if (onApprovalClick === undefined) return CLICK_UNHANDLED;
    try {
      return (await onApprovalClick(click)).text;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      log.error(prefixed(`the approval handler failed on a button press by ${click.senderId} on message ${click.messageId ?? "?"} in channel ${click.chatId}: ${why}`));
      return CLICK_FAILED;
    }
  }

  /** Answers ephemerally; a handler slower than clickDeferMs gets a deferred answer first, edited when it finishes. Never rejects. */
  async function answerClick(interaction: MessageComponentInteraction, answer: Promise<string>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, clickDeferMs, undefined)));
    try {
      const early = await Promise.race([answer, slow]);
      clearTimeout(timer);
      if (early !== undefined) {
        await interaction.reply({ content: truncate(early.trim() === "" ? "…" : early), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
        return;
      }
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const late = await answer;
      await interaction.editReply({ content: truncate(late.trim() === "" ? "…" : late), allowedMentions: { parse: [] } });
    } catch (err) {
      log.warn(prefixed(`could not answer the button press ${interaction.id} by ${interaction.user.id} in channel ${interaction.channelId}: ${describeError(err).text}`));
    } finally {
      clearTimeout(timer);
    }
  }

  /** The running client, or a rejection saying why there is none. */
  function runningClient(what: string): Client {
    const attempt = current;
    if (stopped || attempt === undefined || attempt.ended) {
      const why = error === undefined ? (stopped ? "stopped" : "not started") : error.slice(PREFIX.length);
      throw new Error(`${PREFIX}not running (${why}); cannot ${what}`);
    }
    return attempt.client;
  }

  function onConnected(): void {
    lastSeenMs = Date.now();
    if (connected) return;
    connected = true;
    error = undefined;
    logState("info", `${PREFIX}gateway connection restored`);
  }

  function truncate(text: string, limit = MAX_CONTENT_CHARS): string {
    const chars = Array.from(text);
    if (chars.length <= limit) return text;
    return `${chars.slice(0, limit - 1).join("")}…`;
  }

  /** Content alone when it fits in 2000 characters; else the first line as content and the rest in an embed (4096). */
  function messageBody(head: string, rest: string): { content: string; embeds: { description: string }[] } {
    const whole = rest === "" ? head : head === "" ? rest : `${head}\n\n${rest}`;
    if (Array.from(whole).length <= MAX_CONTENT_CHARS) return { content: whole, embeds: [] };
    return { content: truncate(head === "" ? "…" : head), embeds: [{ description: truncate(rest, MAX_EMBED_DESCRIPTION_CHARS) }] };
  }

  function outcomeBody(text: string): { content: string; embeds: { description: string }[] } {
    const newline = text.indexOf("\n");
    if (Array.from(text).length <= MAX_CONTENT_CHARS || newline < 0) return messageBody(text, "");
    return messageBody(text.slice(0, newline), text.slice(newline + 1));
  }

  function threadName(card: ApprovalCard): string {
    const name = truncate(card.title.replace(/\s+/g, " ").trim(), MAX_THREAD_NAME_CHARS);
    return name === "" ? "approval" : name;
  }

  return {
    platform: "discord",

    start(): Promise<void> {
      if (startPromise !== undefined) return startPromise;
      started = true;
      if (stopped) {
        startPromise = Promise.resolve();
        return startPromise;
      }
      startPromise = new Promise<void>((resolve) => {
        settleStart = resolve;
      });
      startWaitTimer = setTimeout(() => {
        startWaitTimer = undefined;
        if (!connected && error === undefined) error = prefixed(`not connected after ${START_WAIT_MS / 1000} s; still trying`);
        finishStart();
      }, START_WAIT_MS);
      startWaitTimer.unref();
      try {
        beginAttempt();
      } catch (err) {
        // new Client() throws only on invalid options, which are fixed in code; record it rather than crash.
        error = prefixed(`could not create the Discord client: ${describeError(err).text}`);
        logState("error", error);
        finishStart();
      }
      return startPromise;
    },

    stop(): Promise<void> {
      stopPromise ??= (async () => {
        stopped = true;
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        queue.length = 0;
        const attempt = current;
        if (attempt !== undefined) {
          attempt.ended = true;
          await closeAttempt(attempt);
        }
        connected = false;
        finishStart();
        if (started) logState("info", `${PREFIX}stopped`);
      })();
      return stopPromise;
    },

    status(): AdminBotStatus {
      let seen = lastSeenMs;
      const ping = current?.client.ws.shards.first()?.lastPingTimestamp;
      if (connected && ping !== undefined && ping > 0 && (seen === undefined || ping > seen)) seen = ping;
      return { platform: "discord", connected, error, lastSeenMs: seen };
    },

    async post(text: string): Promise<void> {
      const attempt = current;
      if (stopped || attempt === undefined || attempt.ended) {
        const why = error === undefined ? (stopped ? "stopped" : "not started") : error.slice(PREFIX.length);
        throw new Error(`${PREFIX}not running (${why}); cannot post to the admin channel`);
      }
      if (text.trim().length === 0) throw new Error(`${PREFIX}refusing to post an empty message`);
      try {
        await attempt.client.rest.post(Routes.channelMessages(channelId), {
          body: { content: truncate(text), allowed_mentions: { parse: [] } },
        });
      } catch (err) {
        throw new Error(prefixed(`could not post to the admin channel ${channelId}: ${describeError(err).text}`));
      }
    },

    async postApproval(card: ApprovalCard): Promise<PostedCard> {
      const target = card.target?.chatId ?? channelId;
      const client = runningClient(`post an approval card to channel ${target}`);
      for (const data of [card.approveData, card.denyData]) {
        if (data.length === 0 || data.length > MAX_CUSTOM_ID_CHARS) {
          throw new Error(`${PREFIX}cannot post an approval card to channel ${target}: button data must be 1-${MAX_CUSTOM_ID_CHARS} characters (got ${data.length})`);
        }
      }
      const message = {
        ...messageBody(card.title, card.text),
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              { type: ComponentType.Button, style: ButtonStyle.Success, label: "Approve", custom_id: card.approveData },
              { type: ComponentType.Button, style: ButtonStyle.Danger, label: "Deny", custom_id: card.denyData },
            ],
          },
        ],
        allowed_mentions: { parse: [] },
      };
      // A forum takes no plain messages: the card opens a post (a thread whose starter message is the card).
      if (client.channels.cache.get(target)?.type === ChannelType.GuildForum) {
        let post: APIChannel & { message?: APIMessage };
        try {
          post = (await client.rest.post(Routes.threads(target), { body: { name: threadName(card), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES, message } })) as APIChannel & {
            message?: APIMessage;
          };
        } catch (err) {
          throw new Error(prefixed(`could not post an approval card to forum ${target}: ${describeError(err).text}`));
        }
        return { platform: "discord", chatId: post.id, messageId: post.message?.id ?? post.id, threadId: post.id };
      }
      let posted: APIMessage;
      try {
        posted = (await client.rest.post(Routes.channelMessages(target), { body: message })) as APIMessage;
      } catch (err) {
        throw new Error(prefixed(`could not post an approval card to channel ${target}: ${describeError(err).text}`));
      }
      try {
        const thread = (await client.rest.post(Routes.threads(target, posted.id), {
          body: { name: threadName(card), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES },
        })) as APIChannel;
        return { platform: "discord", chatId: target, messageId: posted.id, threadId: thread.id };
      } catch (err) {
        // The card and its buttons are up; failing here would make the broker post a second card.
        log.warn(prefixed(`posted an approval card in channel ${target} but could not start its thread (${describeError(err).text}); the buttons work without it`));
        return { platform: "discord", chatId: target, messageId: posted.id };
      }
    },

    async updateApproval(posted: PostedCard, text: string): Promise<void> {
      if (posted.platform !== "discord") {
        throw new Error(`${PREFIX}cannot update approval card ${posted.platform}:${posted.chatId}/${posted.messageId}: not a Discord message`);
      }
      if (text.trim().length === 0) throw new Error(`${PREFIX}refusing to replace approval card ${posted.messageId} in channel ${posted.chatId} with an empty text`);
      const client = runningClient(`update approval card ${posted.messageId} in channel ${posted.chatId}`);
      try {
        await client.rest.patch(Routes.channelMessage(posted.chatId, posted.messageId), {
          body: { ...outcomeBody(text), components: [], allowed_mentions: { parse: [] } },
        });
      } catch (err) {
        throw new Error(prefixed(`could not update approval card ${posted.messageId} in channel ${posted.chatId}: ${describeError(err).text}`));
      }
      if (posted.threadId === undefined) return;
      try {
        await client.rest.post(Routes.channelMessages(posted.threadId), { body: { ...outcomeBody(text), allowed_mentions: { parse: [] } } });
      } catch (err) {
        throw new Error(prefixed(`updated approval card ${posted.messageId} but could not post the outcome in its thread ${posted.threadId}: ${describeError(err).text}`));
      }
    },
  };
}
