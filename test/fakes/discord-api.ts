// A fake Discord on 127.0.0.1: REST under /api/v10 (node:http) and the JSON gateway (ws) on the same port, as discord.js 14 speaks them.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";

export type FakeDiscordChannel = { readonly id: string; readonly name: string };
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
  /** The next `count` REST requests are answered with `status` (default 502) and a plain-text body. */
  failNextRequests(count: number, status?: number): void;
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
    type: 0,
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

function rawGuild(guild: FakeDiscordGuild, bot: FakeDiscordUser): Record<string, unknown> {
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
    threads: [],
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
  let failures: { remaining: number; status: number } = { remaining: 0, status: 502 };

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
    failNextRequests(count, status = 502) {
      failures = { remaining: count, status };
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

    if (failures.remaining > 0) {
      failures.remaining--;
      record(failures.status);
      const text = `${failures.status} fake discord failure`;
      res.writeHead(failures.status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (!path.startsWith(`${API_PREFIX}/`)) {
      fake.unhandled.push(record(404));
      sendJson(res, 404, { message: "404: Not Found", code: 0 });
      return;
    }
    if (!authorized) {
      record(401);
      sendJson(res, 401, { message: "401: Unauthorized", code: 0 });
      return;
    }
    const route = path.slice(API_PREFIX.length);

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
      const known = channels.get(channelId);
      const isMessages = channelMatch[2] !== undefined;
      if (known === undefined && (method === "GET" || (method === "POST" && isMessages))) {
        record(404);
        sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
        return;
      }
      if (known !== undefined && method === "GET" && !isMessages) {
        record(200);
        sendJson(res, 200, rawChannel(known.channel, known.guildId, known.position));
        return;
      }
      if (known !== undefined && method === "POST" && isMessages) {
        let body: unknown;
        try {
          body = JSON.parse(bodyText);
        } catch {
          body = undefined;
        }
        const content = isRecord(body) ? body["content"] : undefined;
        if (!isRecord(body) || typeof content !== "string" || content.length === 0) {
          record(400);
          sendJson(res, 400, { message: "Cannot send an empty message", code: 50006 });
          return;
        }
        if (content.length > 2000) {
          record(400);
          sendJson(res, 400, {
            message: "Invalid Form Body",
            code: 50035,
            errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } },
          });
          return;
        }
        const reference = isRecord(body["message_reference"]) ? body["message_reference"] : undefined;
        const id = snowflakeNow();
        record(200);
        fake.sent.push({ id, channelId, content, messageReference: reference, allowedMentions: body["allowed_mentions"], body });
        const message = rawMessage({
          id,
          channelId,
          guildId: known.guildId,
          author: rawUser(botUser, true),
          content,
          reference: reference === undefined ? undefined : { ...reference, channel_id: channelId, guild_id: known.guildId },
        });
        sendJson(res, 200, message);
        if (echo) dispatchToAll("MESSAGE_CREATE", { ...message, guild_id: known.guildId });
        return;
      }
    }
    fake.unhandled.push(record(404));
    sendJson(res, 404, { message: "404: Not Found", code: 0 });
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
          for (const guild of options.guilds) dispatch(session, "GUILD_CREATE", rawGuild(guild, botUser));
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
