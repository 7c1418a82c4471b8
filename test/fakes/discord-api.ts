// A fake Discord on 127.0.0.1: REST under /api/v10 (node:http) and the JSON gateway (ws) on the same port, as discord.js 14 speaks them.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";

/** type: 0 text (default), 15 forum (messages only in its posts, which are threads). */
export type FakeDiscordChannel = { readonly id: string; readonly name: string; readonly type?: 0 | 15 | undefined };
export type FakeDiscordGuild = { readonly id: string; readonly name: string; readonly channels: readonly FakeDiscordChannel[] };
export type FakeDiscordUser = { readonly id: string; readonly username: string };

export type FakeDiscordOptions = {
  /** The one bot token this Discord accepts (`Authorization: Bot <token>` on REST, `d.token` on IDENTIFY/RESUME). */
  readonly token: string;
  /** Guilds the bot is a member of; each is announced with GUILD_CREATE after READY. */
  readonly guilds: readonly FakeDiscordGuild[];
  readonly botUser?: FakeDiscordUser | undefined;
  /** HELLO heartbeat_interval; Discord uses ~41250, tests want it short. */
  readonly heartbeatIntervalMs?: number | undefined;
  /** Dispatch MESSAGE_CREATE for messages the bot posts, as Discord does (default true). */
  readonly echo?: boolean | undefined;
};

/** A message the bot posted through REST, with the JSON body as sent. */
export type FakeSentMessage = {
  readonly id: string;
  readonly channelId: string;
  readonly content: string;
  /** `message_reference` of a reply, undefined for a plain message. */
  readonly messageReference: Readonly<Record<string, unknown>> | undefined;
  readonly allowedMentions: unknown;
  readonly body: Readonly<Record<string, unknown>>;
};

export type FakeRestRequest = { readonly method: string; readonly path: string; readonly status: number; readonly authorized: boolean };

/** A thread the bot started (on a message, or a forum post). */
export type FakeThread = { readonly id: string; readonly parentId: string; readonly guildId: string; readonly name: string; readonly starterMessageId: string | undefined };

/** A bot message as it stands now (after edits). */
export type FakeMessageState = { readonly channelId: string; readonly content: string; readonly components: unknown; readonly embeds: unknown };

/** One PATCH of a bot message, with the JSON body as sent. */
export type FakeMessageEdit = { readonly channelId: string; readonly messageId: string; readonly body: Readonly<Record<string, unknown>> };

/** One interaction callback (POST /interactions/:id/:token/callback) or edit of the original response (PATCH .../messages/@original). */
export type FakeInteractionResponse = {
  readonly interactionId: string;
  readonly kind: "callback" | "edit-original";
  /** Callback type: 4 reply, 5 deferred reply, 6 deferred update; undefined for an edit. */
  readonly type: number | undefined;
  readonly content: string | undefined;
  readonly flags: number | undefined;
  readonly body: Readonly<Record<string, unknown>>;
};

/** A button press to dispatch as INTERACTION_CREATE (type 3 MESSAGE_COMPONENT). */
export type FakeButtonPress = {
  /** The channel the interaction comes from: a guild channel or a thread the fake knows. */
  readonly channelId: string;
  /** Default: the guild of channelId; null for a DM (user instead of member). */
  readonly guildId?: string | null | undefined;
  readonly userId: string;
  readonly bot?: boolean | undefined;
  /** The message the button is on (the fake's copy when it knows the message). */
  readonly messageId: string;
  readonly customId: string;
  /** 2 button (default), 3 string select... */
  readonly componentType?: number | undefined;
  /** channelId is a thread the fake never announced (so discord.js has not cached it) under this parent channel. */
  readonly inThreadOf?: string | undefined;
  readonly id?: string | undefined;
};

/** Which REST requests a scripted failure hits (default: any). */
export type FakeRequestMatch = { readonly method?: string | undefined; readonly path?: RegExp | undefined };

/** What a client said in IDENTIFY (the token itself is not kept). */
export type FakeIdentify = { readonly intents: number; readonly shard: unknown; readonly compress: unknown; readonly tokenAccepted: boolean };

export type FakeGatewayConnection = { readonly path: string; readonly query: Readonly<Record<string, string>>; readonly refused?: true };

export type FakeIncomingMessage = {
  readonly channelId: string;
  /** Omit for a DM. */
  readonly guildId?: string | undefined;
  readonly authorId: string;
  readonly content: string;
  readonly bot?: boolean | undefined;
  /** Snowflake; its top bits are the creation time discord.js reports. Default: a fresh one for now. */
  readonly id?: string | undefined;
  /** Posted by this webhook (Discord sets webhook_id and a bot author). */
  readonly webhookId?: string | undefined;
  /** A forward of this message (message_reference type 1 plus a snapshot); Discord itself sends forwards with empty content. */
  readonly forwardOf?: { readonly channelId: string; readonly messageId: string; readonly content: string } | undefined;
};

export type FakeDiscord = {
  /** The value for discord.js `rest.api` (`http://127.0.0.1:PORT/api`). */
  readonly apiRoot: string;
  readonly gatewayUrl: string;
  readonly botUser: FakeDiscordUser;
  readonly sent: FakeSentMessage[];
  /** PATCHes of bot messages, oldest first. */
  readonly edits: FakeMessageEdit[];
  /** Threads started by the bot (on messages and as forum posts), oldest first. */
  readonly threads: FakeThread[];
  /** Answers to interactions, oldest first. */
  readonly interactionResponses: FakeInteractionResponse[];
  readonly requests: FakeRestRequest[];
  /** Requests no route matched (answered 404 like Discord). */
  readonly unhandled: FakeRestRequest[];
  readonly identifies: FakeIdentify[];
  readonly resumes: { readonly accepted: boolean }[];
  readonly connections: FakeGatewayConnection[];
  /** Reject the token everywhere: REST 401 and gateway close 4004. */
  rejectToken: boolean;
  /** Reject the token only at IDENTIFY/RESUME (close 4004), as when it is revoked between the REST call and the gateway. */
  rejectGatewayToken: boolean;
  /** Answer RESUME with INVALID_SESSION (op 9, d false) instead of replaying. */
  refuseResume: boolean;
  /** Reset every new gateway connection before the WebSocket handshake, like a gateway that is down. */
  refuseGateway: boolean;
  /** Dispatches MESSAGE_CREATE to every session (sessions whose socket is down get it on RESUME); returns the raw message. */
  sendMessage(input: FakeIncomingMessage): Readonly<Record<string, unknown>>;
  /** The next `count` REST requests (matching `match` when given) are answered with `status` (default 502) and a plain-text body. */
  failNextRequests(count: number, status?: number, match?: FakeRequestMatch): void;
  /** The next `count` matching REST requests get a 429 with the headers and body Discord sends (Retry-After in seconds). */
  rateLimitNext(count: number, retryAfterSeconds: number, match?: FakeRequestMatch): void;
  /** Dispatches INTERACTION_CREATE for a button press to every session; returns the interaction id and token. */
  pressButton(press: FakeButtonPress): { id: string; token: string };
  /** A bot message as it stands now; undefined when unknown. */
  message(messageId: string): FakeMessageState | undefined;
  /** Drops every gateway socket: without a close frame (default, like a network cut) or with the given close code. */
  dropConnections(closeCode?: number): void;
  /** Number of sockets that completed IDENTIFY or RESUME and are still open. */
  liveSessions(): number;
  /** Number of open gateway sockets, identified or not. */
  openSockets(): number;
  /** Resolves once `predicate()` is true (checked every 5 ms); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, what?: string): Promise<void>;
  close(): Promise<void>;
};

const API_PREFIX = "/api/v10";
const GATEWAY_PATH = "/gateway";
const DISCORD_EPOCH_MS = 1420070400000n;
const OP = { dispatch: 0, heartbeat: 1, identify: 2, resume: 6, invalidSession: 9, hello: 10, heartbeatAck: 11 } as const;
const CLOSE_AUTHENTICATION_FAILED = 4004;
const CLOSE_DECODE_ERROR = 4002;
const CLOSE_NOT_AUTHENTICATED = 4003;
const CLOSE_ALREADY_AUTHENTICATED = 4005;
/** Dispatches kept per session for RESUME replay (Discord keeps a bounded backlog too). */
const MAX_BACKLOG = 500;

type Session = {
  readonly id: string;
  seq: number;
  socket: WebSocket | undefined;
  readonly backlog: { s: number; t: string; d: unknown }[];
};

let snowflakeIncrement = 0n;
function snowflakeNow(): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n) | snowflakeIncrement).toString();
}

function isoFromSnowflake(id: string): string {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS)).toISOString();
}

function rawUser(user: FakeDiscordUser, bot: boolean): Record<string, unknown> {
  return { id: user.id, username: user.username, discriminator: "0", global_name: null, avatar: null, bot, flags: 0, public_flags: 0 };
}

function rawChannel(channel: FakeDiscordChannel, guildId: string, position: number): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type ?? 0,
    guild_id: guildId,
    name: channel.name,
    position,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

function rawThread(thread: FakeThread, bot: FakeDiscordUser): Record<string, unknown> {
  return {
    id: thread.id,
    type: 11,
    guild_id: thread.guildId,
    parent_id: thread.parentId,
    name: thread.name,
    owner_id: bot.id,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    flags: 0,
    total_message_sent: 0,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: "2026-01-01T00:00:00.000000+00:00", locked: false, create_timestamp: "2026-01-01T00:00:00.000000+00:00" },
  };
}

function rawGuild(guild: FakeDiscordGuild, bot: FakeDiscordUser, threads: readonly FakeThread[]): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: "100000000000000001",
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: "en-US",
    nsfw_level: 0,
    vanity_url_code: null,
    description: null,
    banner: null,
    max_members: 500000,
    max_video_channel_users: 25,
    roles: [
      { id: guild.id, name: "@everyone", color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: "68608", managed: false, mentionable: false, flags: 0 },
    ],
    emojis: [],
    stickers: [],
    joined_at: "2026-01-01T00:00:00.000000+00:00",
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [{ user: rawUser(bot, true), roles: [], joined_at: "2026-01-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 }],
    channels: guild.channels.map((c, i) => rawChannel(c, guild.id, i)),
    threads: threads.filter((t) => t.guildId === guild.id).map((t) => rawThread(t, bot)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Starts the fake on 127.0.0.1 with an OS-chosen port. */
export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const botUser: FakeDiscordUser = options.botUser ?? { id: "900000000000000001", username: "coordinator-admin" };
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41250;
  const echo = options.echo ?? true;
  const channels = new Map<string, { channel: FakeDiscordChannel; guildId: string; position: number }>();
  for (const guild of options.guilds) {
    guild.channels.forEach((channel, position) => channels.set(channel.id, { channel, guildId: guild.id, position }));
  }
  const sessions = new Map<string, Session>();
  const sockets = new Set<WebSocket>();
  type Scripted = { remaining: number; status: number; retryAfterSeconds: number; match: FakeRequestMatch | undefined };
  const scripted: Scripted[] = [];
  /** Bot messages by id, as they stand now. */
  const messages = new Map<string, { channelId: string; guildId: string | undefined; content: string; components: unknown; embeds: unknown }>();
  /** Interactions dispatched: token and whether an initial response was sent. */
  const interactions = new Map<string, { token: string; responded: boolean }>();

  // ---- server ----

  const server = createServer((req, res) => {
    handleRest(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: "500: Internal Server Error", code: 0 });
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if ((path !== GATEWAY_PATH && path !== `${GATEWAY_PATH}/`) || fake.refuseGateway) {
      fake.connections.push({ path, query: {}, refused: true });
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeDiscord = {
    apiRoot: `http://127.0.0.1:${port}/api`,
    gatewayUrl: `ws://127.0.0.1:${port}${GATEWAY_PATH}`,
    botUser,
    sent: [],
    edits: [],
    threads: [],
    interactionResponses: [],
    requests: [],
    unhandled: [],
    identifies: [],
    resumes: [],
    connections: [],
    rejectToken: false,
    rejectGatewayToken: false,
    refuseResume: false,
    refuseGateway: false,
    sendMessage,
    failNextRequests(count, status = 502, match) {
      if (count > 0) scripted.push({ remaining: count, status, retryAfterSeconds: 0, match });
    },
    rateLimitNext(count, retryAfterSeconds, match) {
      if (count > 0) scripted.push({ remaining: count, status: 429, retryAfterSeconds, match });
    },
    pressButton,
    message(messageId) {
      const m = messages.get(messageId);
      return m === undefined ? undefined : { channelId: m.channelId, content: m.content, components: m.components, embeds: m.embeds };
    },
    dropConnections(closeCode) {
      for (const socket of sockets) {
        if (closeCode === undefined) socket.terminate();
        else socket.close(closeCode, "fake discord: dropped");
      }
    },
    liveSessions() {
      let n = 0;
      for (const s of sessions.values()) if (s.socket !== undefined) n++;
      return n;
    },
    openSockets() {
      return sockets.size;
    },
    waitFor,
    close,
  };

  function tokenAccepted(authorization: string | undefined): boolean {
    return !fake.rejectToken && authorization === `Bot ${options.token}`;
  }

  // ---- REST ----

  async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const authorized = tokenAccepted(req.headers.authorization);
    const record = (status: number): FakeRestRequest => {
      const r = { method, path, status, authorized };
      fake.requests.push(r);
      return r;
    };
    const bodyText = await readBody(req);

    const failure = scripted.find((f) => (f.match?.method === undefined || f.match.method === method) && (f.match?.path === undefined || f.match.path.test(path)));
    if (failure !== undefined) {
      failure.remaining--;
      if (failure.remaining <= 0) scripted.splice(scripted.indexOf(failure), 1);
      record(failure.status);
      if (failure.status === 429) {
        // What Discord sends and @discordjs/rest reads: Retry-After (seconds) and the bucket headers.
        const text = JSON.stringify({ message: "You are being rate limited.", retry_after: failure.retryAfterSeconds, global: false });
        res.writeHead(429, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
          "retry-after": String(failure.retryAfterSeconds),
          "x-ratelimit-limit": "5",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Date.now() / 1000 + failure.retryAfterSeconds),
          "x-ratelimit-reset-after": String(failure.retryAfterSeconds),
          "x-ratelimit-bucket": "fake-bucket",
          "x-ratelimit-scope": "user",
        });
        res.end(text);
        return;
      }
      const text = `${failure.status} fake discord failure`;
      res.writeHead(failure.status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (!path.startsWith(`${API_PREFIX}/`)) {
      fake.unhandled.push(record(404));
      sendJson(res, 404, { message: "404: Not Found", code: 0 });
      return;
    }
    const route = path.slice(API_PREFIX.length);
    if (handleInteractionRoute(method, route, new URL(req.url ?? "/", "http://127.0.0.1").searchParams, bodyText, record, res)) return;
    if (!authorized) {
      record(401);
      sendJson(res, 401, { message: "401: Unauthorized", code: 0 });
      return;
    }

    if (method === "GET" && route === "/gateway/bot") {
      record(200);
      sendJson(res, 200, {
        url: fake.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      });
      return;
    }
    if (method === "GET" && route === "/users/@me") {
      record(200);
      sendJson(res, 200, { ...rawUser(botUser, true), verified: true, mfa_enabled: false, locale: "en-US" });
      return;
    }
    const channelMatch = /^\/channels\/(\d+)(\/messages)?$/.exec(route);
    if (channelMatch !== null) {
      const channelId = channelMatch[1] ?? "";
      const known = lookupChannel(channelId);
      const isMessages = channelMatch[2] !== undefined;
      if (known === undefined && (method === "GET" || (method === "POST" && isMessages))) {
        record(404);
        sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
        return;
      }
      if (known !== undefined && method === "GET" && !isMessages) {
        record(200);
        sendJson(res, 200, known.raw);
        return;
      }
      if (known !== undefined && method === "POST" && isMessages) {
        if (known.forum) {
          record(400);
          sendJson(res, 400, { message: "Cannot send messages in a forum channel; create a post", code: 50008 });
          return;
        }
        const body = parseJson(bodyText);
        const invalid = body === undefined ? { message: "Cannot send an empty message", code: 50006 } : invalidMessage(body, true);
        if (body === undefined || invalid !== undefined) {
          record(400);
          sendJson(res, 400, invalid);
          return;
        }
        const content = typeof body["content"] === "string" ? body["content"] : "";
        const reference = isRecord(body["message_reference"]) ? body["message_reference"] : undefined;
        const id = snowflakeNow();
        record(200);
        fake.sent.push({ id, channelId, content, messageReference: reference, allowedMentions: body["allowed_mentions"], body });
        const message = storeMessage(id, channelId, known.guildId, body, reference === undefined ? undefined : { ...reference, channel_id: channelId, guild_id: known.guildId });
        sendJson(res, 200, message);
        if (echo) dispatchToAll("MESSAGE_CREATE", { ...message, guild_id: known.guildId });
        return;
      }
    }

    const messageMatch = /^\/channels\/(\d+)\/messages\/(\d+)(\/threads)?$/.exec(route);
    if (messageMatch !== null) {
      const channelId = messageMatch[1] ?? "";
      const messageId = messageMatch[2] ?? "";
      const known = lookupChannel(channelId);
      const stored = messages.get(messageId);
      if (known === undefined) {
        record(404);
        sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
        return;
      }
      if (stored === undefined || stored.channelId !== channelId) {
        record(404);
        sendJson(res, 404, { message: "Unknown Message", code: 10008 });
        return;
      }
      const body = parseJson(bodyText);
      if (method === "PATCH" && messageMatch[3] === undefined) {
        const invalid = body === undefined ? { message: "Invalid Form Body", code: 50035 } : invalidMessage(body, false);
        if (body === undefined || invalid !== undefined) {
          record(400);
          sendJson(res, 400, invalid);
          return;
        }
        if (typeof body["content"] === "string") stored.content = body["content"];
        if (body["components"] !== undefined) stored.components = body["components"];
        if (body["embeds"] !== undefined) stored.embeds = body["embeds"];
        record(200);
        fake.edits.push({ channelId, messageId, body });
        sendJson(res, 200, { ...rawBotMessage(messageId), edited_timestamp: new Date().toISOString() });
        return;
      }
      if (method === "POST" && messageMatch[3] !== undefined) {
        const name = body === undefined ? undefined : body["name"];
        if (typeof name !== "string" || name.length < 1 || name.length > 100) {
          record(400);
          sendJson(res, 400, { message: "Invalid Form Body", code: 50035, errors: { name: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." }] } } });
          return;
        }
        if (known.thread || known.forum) {
          record(400);
          sendJson(res, 400, { message: "Cannot execute action on this channel type", code: 50024 });
          return;
        }
        if (fake.threads.some((t) => t.starterMessageId === messageId)) {
          record(400);
          sendJson(res, 400, { message: "A thread has already been created for this message", code: 160004 });
          return;
        }
        // Discord gives a thread started on a message the message's id.
        const thread: FakeThread = { id: messageId, parentId: channelId, guildId: known.guildId, name, starterMessageId: messageId };
        fake.threads.push(thread);
        record(201);
        const raw = rawThread(thread, botUser);
        sendJson(res, 201, raw);
        dispatchToAll("THREAD_CREATE", { ...raw, newly_created: true });
        return;
      }
    }

    const forumMatch = /^\/channels\/(\d+)\/threads$/.exec(route);
    if (forumMatch !== null && method === "POST") {
      const channelId = forumMatch[1] ?? "";
      const known = lookupChannel(channelId);
      if (known === undefined || !known.forum) {
        record(known === undefined ? 404 : 400);
        if (known === undefined) sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
        else sendJson(res, 400, { message: "Threads without a message are not supported by this fake", code: 0 });
        return;
      }
      const body = parseJson(bodyText);
      const name = body?.["name"];
      const first = isRecord(body?.["message"]) ? (body["message"] as Record<string, unknown>) : undefined;
      const invalid = first === undefined ? { message: "Invalid Form Body", code: 50035 } : invalidMessage(first, true);
      if (typeof name !== "string" || name.length < 1 || name.length > 100 || first === undefined || invalid !== undefined) {
        record(400);
        sendJson(res, 400, invalid ?? { message: "Invalid Form Body", code: 50035 });
        return;
      }
      // In a forum post the thread and its starter message share one id.
      const id = snowflakeNow();
      const thread: FakeThread = { id, parentId: channelId, guildId: known.guildId, name, starterMessageId: id };
      fake.threads.push(thread);
      const content = typeof first["content"] === "string" ? first["content"] : "";
      fake.sent.push({ id, channelId: id, content, messageReference: undefined, allowedMentions: first["allowed_mentions"], body: first });
      const message = storeMessage(id, id, known.guildId, first, undefined);
      record(201);
      const raw = rawThread(thread, botUser);
      sendJson(res, 201, { ...raw, message });
      dispatchToAll("THREAD_CREATE", { ...raw, newly_created: true });
      if (echo) dispatchToAll("MESSAGE_CREATE", { ...message, guild_id: known.guildId });
      return;
    }
    fake.unhandled.push(record(404));
    sendJson(res, 404, { message: "404: Not Found", code: 0 });
  }

  /** Interaction responses authenticate by the interaction token in the path, not the bot token. */
  function handleInteractionRoute(method: string, route: string, query: URLSearchParams, bodyText: string, record: (status: number) => FakeRestRequest, res: ServerResponse): boolean {
    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route);
    const original = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(?:@|%40)original$/.exec(route);
    if (callback === null && original === null) return false;
    const body = parseJson(bodyText) ?? {};
    if (callback !== null && method === "POST") {
      const id = callback[1] ?? "";
      const known = interactions.get(id);
      if (known === undefined || known.token !== callback[2]) {
        record(404);
        sendJson(res, 404, { message: "Unknown interaction", code: 10062 });
        return true;
      }
      if (known.responded) {
        record(400);
        sendJson(res, 400, { message: "Interaction has already been acknowledged.", code: 40060 });
        return true;
      }
      known.responded = true;
      const data = isRecord(body["data"]) ? body["data"] : {};
      fake.interactionResponses.push({
        interactionId: id,
        kind: "callback",
        type: typeof body["type"] === "number" ? body["type"] : undefined,
        content: typeof data["content"] === "string" ? data["content"] : undefined,
        flags: typeof data["flags"] === "number" ? data["flags"] : undefined,
        body,
      });
      if (query.get("with_response") === "true") {
        record(200);
        sendJson(res, 200, { interaction: { id, type: 3 } });
      } else {
        record(204);
        res.writeHead(204);
        res.end();
      }
      return true;
    }
    if (original !== null && method === "PATCH") {
      const token = original[2] ?? "";
      const entry = [...interactions.entries()].find(([, v]) => v.token === token);
      if (entry === undefined || !entry[1].responded) {
        record(404);
        sendJson(res, 404, { message: "Unknown Webhook", code: 10015 });
        return true;
      }
      fake.interactionResponses.push({
        interactionId: entry[0],
        kind: "edit-original",
        type: undefined,
        content: typeof body["content"] === "string" ? body["content"] : undefined,
        flags: typeof body["flags"] === "number" ? body["flags"] : undefined,
        body,
      });
      record(200);
      sendJson(res, 200, rawMessage({ id: snowflakeNow(), channelId: "0", guildId: undefined, author: rawUser(botUser, true), content: typeof body["content"] === "string" ? body["content"] : "" }));
      return true;
    }
    return false;
  }

  function lookupChannel(id: string): { guildId: string; raw: Record<string, unknown>; forum: boolean; thread: boolean } | undefined {
    const known = channels.get(id);
    if (known !== undefined) {
      return { guildId: known.guildId, raw: rawChannel(known.channel, known.guildId, known.position), forum: known.channel.type === 15, thread: false };
    }
    const thread = fake.threads.find((t) => t.id === id);
    if (thread !== undefined) return { guildId: thread.guildId, raw: rawThread(thread, botUser), forum: false, thread: true };
    return undefined;
  }

  /** Discord's checks on a message body: something to show, content within 2000, components as action rows of valid buttons. */
  function invalidMessage(body: Record<string, unknown>, creating: boolean): Record<string, unknown> | undefined {
    const content = body["content"];
    if (content !== undefined && typeof content !== "string") return { message: "Invalid Form Body", code: 50035 };
    const embeds = Array.isArray(body["embeds"]) ? body["embeds"] : [];
    const components = Array.isArray(body["components"]) ? body["components"] : [];
    if (creating && (typeof content !== "string" || content.length === 0) && embeds.length === 0 && components.length === 0) {
      return { message: "Cannot send an empty message", code: 50006 };
    }
    if (typeof content === "string" && content.length > 2000) {
      return { message: "Invalid Form Body", code: 50035, errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } } };
    }
    for (const embed of embeds) {
      const description = isRecord(embed) ? embed["description"] : undefined;
      if (typeof description === "string" && description.length > 4096) return { message: "Invalid Form Body", code: 50035 };
    }
    for (const row of components) {
      if (!isRecord(row) || row["type"] !== 1 || !Array.isArray(row["components"])) return { message: "Invalid Form Body", code: 50035 };
      for (const button of row["components"] as unknown[]) {
        const customId = isRecord(button) ? button["custom_id"] : undefined;
        if (!isRecord(button) || button["type"] !== 2 || typeof customId !== "string" || customId.length < 1 || customId.length > 100) {
          return { message: "Invalid Form Body", code: 50035, errors: { components: { _errors: [{ code: "COMPONENT_CUSTOM_ID_INVALID", message: "custom_id must be 1-100 characters" }] } } };
        }
      }
    }
    return undefined;
  }

  function storeMessage(id: string, channelId: string, guildId: string | undefined, body: Record<string, unknown>, reference: Record<string, unknown> | undefined): Record<string, unknown> {
    messages.set(id, {
      channelId,
      guildId,
      content: typeof body["content"] === "string" ? body["content"] : "",
      components: Array.isArray(body["components"]) ? body["components"] : [],
      embeds: Array.isArray(body["embeds"]) ? body["embeds"] : [],
    });
    return { ...rawBotMessage(id), ...(reference === undefined ? {} : { type: 19, message_reference: reference }) };
  }

  function rawBotMessage(id: string): Record<string, unknown> {
    const m = messages.get(id);
    const base = rawMessage({ id, channelId: m?.channelId ?? "0", guildId: m?.guildId, author: rawUser(botUser, true), content: m?.content ?? "" });
    return { ...base, components: m?.components ?? [], embeds: m?.embeds ?? [] };
  }

  function pressButton(press: FakeButtonPress): { id: string; token: string } {
    const id = press.id ?? snowflakeNow();
    const token = `itoken-${randomBytes(12).toString("hex")}`;
    interactions.set(id, { token, responded: false });
    const channel = lookupChannel(press.channelId);
    const guildId = press.guildId === null ? undefined : (press.guildId ?? channel?.guildId ?? (press.inThreadOf === undefined ? undefined : lookupChannel(press.inThreadOf)?.guildId));
    const user = rawUser({ id: press.userId, username: `user${press.userId.slice(-4)}` }, press.bot ?? false);
    const stored = messages.get(press.messageId);
    const message =
      stored === undefined
        ? rawMessage({ id: press.messageId, channelId: press.channelId, guildId, author: rawUser(botUser, true), content: "" })
        : rawBotMessage(press.messageId);
    const d: Record<string, unknown> = {
      id,
      application_id: botUser.id,
      type: 3,
      token,
      version: 1,
      data: { custom_id: press.customId, component_type: press.componentType ?? 2 },
      channel_id: press.channelId,
      channel:
        press.inThreadOf !== undefined
          ? { id: press.channelId, type: 11, guild_id: guildId, parent_id: press.inThreadOf, name: "unannounced thread" }
          : (channel?.raw ?? { id: press.channelId, type: guildId === undefined ? 1 : 0 }),
      message,
      locale: "en-US",
      app_permissions: "0",
      entitlements: [],
      authorizing_integration_owners: guildId === undefined ? { "1": press.userId } : { "0": guildId },
      context: guildId === undefined ? 1 : 0,
      attachment_size_limit: 8_388_608,
    };
    if (guildId !== undefined) {
      d["guild_id"] = guildId;
      d["guild_locale"] = "en-US";
      d["member"] = { user, roles: [], joined_at: "2026-01-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0, permissions: "0", pending: false, nick: null, avatar: null };
    } else {
      d["user"] = user;
    }
    dispatchToAll("INTERACTION_CREATE", d);
    return { id, token };
  }

  function parseJson(text: string): Record<string, unknown> | undefined {
    try {
      const v: unknown = JSON.parse(text);
      return isRecord(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  function rawMessage(m: {
    id: string;
    channelId: string;
    guildId: string | undefined;
    author: Record<string, unknown>;
    content: string;
    reference?: Record<string, unknown> | undefined;
  }): Record<string, unknown> {
    return {
      id: m.id,
      type: m.reference === undefined ? 0 : 19,
      channel_id: m.channelId,
      author: m.author,
      content: m.content,
      timestamp: isoFromSnowflake(m.id),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: [],
      ...(m.reference === undefined ? {} : { message_reference: m.reference }),
    };
  }

  // ---- gateway ----

  function send(socket: WebSocket, payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ s: null, t: null, ...payload }));
  }

  function dispatch(session: Session, t: string, d: unknown): void {
    session.seq++;
    session.backlog.push({ s: session.seq, t, d });
    if (session.backlog.length > MAX_BACKLOG) session.backlog.shift();
    if (session.socket !== undefined) send(session.socket, { op: OP.dispatch, s: session.seq, t, d });
  }

  function dispatchToAll(t: string, d: unknown): void {
    for (const session of sessions.values()) dispatch(session, t, d);
  }

  function sendMessage(input: FakeIncomingMessage): Readonly<Record<string, unknown>> {
    const message = rawMessage({
      id: input.id ?? snowflakeNow(),
      channelId: input.channelId,
      guildId: input.guildId,
      author: rawUser({ id: input.authorId, username: `user${input.authorId.slice(-4)}` }, input.bot ?? input.webhookId !== undefined),
      content: input.content,
    });
    const extra: Record<string, unknown> = {};
    if (input.guildId !== undefined) {
      extra["guild_id"] = input.guildId;
      if (input.webhookId === undefined) {
        extra["member"] = { roles: [], joined_at: "2026-01-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 };
      }
    }
    if (input.webhookId !== undefined) extra["webhook_id"] = input.webhookId;
    if (input.forwardOf !== undefined) {
      const original = input.forwardOf;
      extra["message_reference"] = { type: 1, channel_id: original.channelId, message_id: original.messageId, guild_id: input.guildId };
      extra["message_snapshots"] = [
        {
          message: {
            type: 0,
            content: original.content,
            embeds: [],
            attachments: [],
            timestamp: isoFromSnowflake(original.messageId),
            edited_timestamp: null,
            flags: 0,
            mentions: [],
            mention_roles: [],
          },
        },
      ];
    }
    const d = { ...message, ...extra };
    dispatchToAll("MESSAGE_CREATE", d);
    return d;
  }

  function onSocket(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    fake.connections.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    sockets.add(socket);
    let session: Session | undefined;
    socket.on("close", () => {
      sockets.delete(socket);
      if (session !== undefined && session.socket === socket) session.socket = undefined;
    });
    socket.on("error", () => {
      // A reset from the client side; "close" follows.
    });
    socket.on("message", (data, isBinary) => {
      let payload: unknown;
      try {
        payload = isBinary ? undefined : JSON.parse(String(data));
      } catch {
        payload = undefined;
      }
      if (!isRecord(payload) || typeof payload["op"] !== "number") {
        socket.close(CLOSE_DECODE_ERROR, "Decode error.");
        return;
      }
      const d = payload["d"];
      switch (payload["op"]) {
        case OP.heartbeat:
          send(socket, { op: OP.heartbeatAck, d: null });
          return;
        case OP.identify: {
          if (session !== undefined) {
            socket.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.");
            return;
          }
          const accepted = isRecord(d) && d["token"] === options.token && !fake.rejectToken && !fake.rejectGatewayToken;
          fake.identifies.push({
            intents: isRecord(d) && typeof d["intents"] === "number" ? d["intents"] : -1,
            shard: isRecord(d) ? d["shard"] : undefined,
            compress: isRecord(d) ? d["compress"] : undefined,
            tokenAccepted: accepted,
          });
          if (!accepted) {
            socket.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.");
            return;
          }
          session = { id: randomBytes(16).toString("hex"), seq: 0, socket, backlog: [] };
          sessions.set(session.id, session);
          dispatch(session, "READY", {
            v: 10,
            user: { ...rawUser(botUser, true), verified: true, mfa_enabled: false },
            guilds: options.guilds.map((g) => ({ id: g.id, unavailable: true })),
            session_id: session.id,
            session_type: "normal",
            resume_gateway_url: fake.gatewayUrl,
            shard: isRecord(d) && Array.isArray(d["shard"]) ? d["shard"] : [0, 1],
            application: { id: botUser.id, flags: 0 },
            private_channels: [],
            presences: [],
            relationships: [],
            guild_join_requests: [],
            user_settings: {},
            geo_ordered_rtc_regions: [],
            _trace: ["fake-discord"],
          });
          for (const guild of options.guilds) dispatch(session, "GUILD_CREATE", rawGuild(guild, botUser, fake.threads));
          return;
        }
        case OP.resume: {
          const sessionId = isRecord(d) ? d["session_id"] : undefined;
          const seq = isRecord(d) && typeof d["seq"] === "number" ? d["seq"] : 0;
          const tokenOk = isRecord(d) && d["token"] === options.token && !fake.rejectToken && !fake.rejectGatewayToken;
          if (!tokenOk) {
            fake.resumes.push({ accepted: false });
            socket.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.");
            return;
          }
          const known = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
          if (known === undefined || fake.refuseResume) {
            fake.resumes.push({ accepted: false });
            if (known !== undefined) sessions.delete(known.id);
            // Discord waits 1-5 s before op 9; the client then re-identifies.
            send(socket, { op: OP.invalidSession, d: false });
            return;
          }
          fake.resumes.push({ accepted: true });
          if (known.socket !== undefined && known.socket !== socket) known.socket.terminate();
          known.socket = socket;
          session = known;
          for (const event of known.backlog) {
            if (event.s > seq) send(socket, { op: OP.dispatch, s: event.s, t: event.t, d: event.d });
          }
          dispatch(known, "RESUMED", null);
          return;
        }
        default:
          if (session === undefined) socket.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.");
      }
    });
    send(socket, { op: OP.hello, d: { heartbeat_interval: heartbeatIntervalMs, _trace: ["fake-discord"] } });
  }

  async function waitFor(predicate: () => boolean, timeoutMs: number, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake discord: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      for (const socket of sockets) socket.terminate();
      sockets.clear();
      sessions.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closing;
  }

  return fake;
}
