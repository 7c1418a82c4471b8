// The plugin config: one strict zod schema, every key described, safe defaults.
import { z } from "zod";
import { isKnownToolGroup, TOOL_PATTERN_SOURCE } from "../policy/tools.ts";

/** OpenClaw's side-effecting tools: anything that runs code, writes, sends, schedules or reconfigures. */
export const DEFAULT_HIGH_STAKES_TOOLS: readonly string[] = [
  "exec", "process", "code_execution", "bash", "write", "edit", "apply_patch", "message",
  "browser", "computer", "nodes", "cron", "automations", "gateway", "plugins", "openclaw",
  "sessions_spawn", "sessions_send", "conversations_send", "conversations_turn", "subagents",
];

/** Tools that read private memory: memory-core's and memory-lancedb's. */
export const DEFAULT_MEMORY_TOOLS: readonly string[] = ["memory_search", "memory_get", "memory_recall"];
/** Workspace files holding private memory (OpenClaw's memory layout; DREAMS.md is the dreaming diary distilled from it). */
export const DEFAULT_PRIVATE_MEMORY_PATHS: readonly string[] = ["MEMORY.md", "USER.md", "DREAMS.md", "memory/**"];

const toolPattern = z
  .string()
  .regex(new RegExp(TOOL_PATTERN_SOURCE), "must be a tool name, a name with * wildcards, or group:<name>")
  .refine((p) => !p.startsWith("group:") || isKnownToolGroup(p), "is not a known OpenClaw tool group")
  .describe("A tool name (exec), a wildcard (memory_*), or an OpenClaw tool group (group:fs).");

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be lower-case letters, digits, '.', '_' or '-' (1-64 chars)")
  .describe("Stable id: it appears in decisions, audit records and block reasons.");

const chatType = z.enum(["direct", "group", "channel", "shared"]);

/** Where a rule applies. Omitted keys match everything; all given keys must match. */
const ruleMatch = z
  .object({
    channels: z
      .array(z.string().min(1))
      .optional()
      .describe("Channel ids (telegram, discord, webchat) or one conversation as the session key spells it (telegram:group:-100123)."),
    agents: z.array(z.string().min(1)).optional().describe("OpenClaw agent ids (main)."),
    senders: z
      .array(z.string().regex(/^(?:[a-z0-9_-]+:)?[0-9]{1,25}$/, "must be a numeric user id or snowflake, optionally channel-prefixed (telegram:42); never a username"))
      .optional()
      .describe("Sender ids (numeric ids / snowflakes), optionally prefixed by the channel: 42 or telegram:42."),
    owner: z
      .boolean()
      .optional()
      .describe("true: only senders OpenClaw resolved as owners; false: everyone else (unknown counts as not owner)."),
    chatTypes: z
      .array(chatType)
      .optional()
      .describe("direct, group, channel, or shared (= group or channel). A session whose type is unknown matches group, channel and shared."),
  })
  .strict()
  .describe("Which calls the rule covers; all listed conditions must hold.");

const rule = z
  .object({
    id: ruleId,
    description: z.string().max(500).optional().describe("Why the rule exists (shown in docs and status, not to the model)."),
    match: ruleMatch.default({}),
    allow: z.array(toolPattern).default([]).describe("Tools this rule allows."),
    escalate: z.array(toolPattern).default([]).describe("Tools that need approval under this rule."),
    deny: z.array(toolPattern).default([]).describe("Tools this rule blocks."),
  })
  .strict()
  .refine((r) => r.allow.length + r.escalate.length + r.deny.length > 0, {
    message: "lists no tools; add at least one tool to allow, escalate or deny",
  })
  .describe("A per-channel / per-agent / per-sender / per-chat-type tool rule. Across all matching rules deny beats escalate beats allow.");

export const PATH_CLASSES = ["root", "system", "device", "temp", "home", "home-sensitive", "workspace", "project", "outside-workspace", "credential", "persistence", "protected"] as const;

const suspiciousPattern = z
  .object({
    id: ruleId,
    tools: z.array(toolPattern).default(["*"]).describe("Tools whose arguments are checked."),
    pattern: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe("A JavaScript regular expression tested against the call's arguments (each string value, NFKC-normalised)."),
    flags: z.string().regex(/^[imsu]*$/, "may only contain i, m, s, u").default("iu").describe("Regular expression flags for pattern and args."),
    commands: z
      .array(z.string().regex(/^[A-Za-z0-9_.+-]+$/, "must be a bare command name (psql, not /usr/bin/psql)"))
      .optional()
      .describe("Shell command names, as they run after unwrapping sudo/env/timeout… and nested sh -c (e.g. psql, kubectl)."),
    args: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe("With commands: a regular expression tested against that command's arguments joined by spaces."),
    pathClasses: z
      .array(z.enum(PATH_CLASSES))
      .optional()
      .describe("The call touches a path of one of these classes (resolved through ~, .., and symlinks)."),
    access: z
      .array(z.enum(["read", "write", "delete"]))
      .optional()
      .describe("With pathClasses: only these kinds of access count."),
    action: z.enum(["block", "escalate"]).default("escalate").describe("What a match does."),
    reason: z.string().min(1).max(300).describe("One sentence shown in the block reason and the audit record."),
  })
  .strict()
  .refine((p) => p.pattern !== undefined || p.commands !== undefined || p.pathClasses !== undefined, {
    message: "has nothing to match; give pattern, commands or pathClasses",
  })
  .refine((p) => p.args === undefined || p.commands !== undefined, { message: "args needs commands", path: ["args"] })
  .refine((p) => p.access === undefined || p.pathClasses !== undefined, { message: "access needs pathClasses", path: ["access"] })
  .describe("An operator-defined SUSPICIOUS_PATTERN: every predicate given must hold.");

/** A scoped credential (issue #6): an environment variable handed only to the exec calls its scope covers. */
const credential = z
  .object({
    name: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name (upper-case letters, digits and '_', e.g. DEPLOY_TOKEN)")
      .describe("The environment variable: its value comes from the coordinator's envFile (else the gateway's environment), never from this file."),
    description: z.string().max(500).optional().describe("What the credential is for (shown in docs and warnings, never its value)."),
    commands: z
      .array(z.string().regex(/^[A-Za-z0-9_.+-]+$/, "must be a bare command name (gh, not /usr/bin/gh)"))
      .min(1)
      .optional()
      .describe("Commands that may receive it, by the name that runs after sudo/env/timeout… (gh, git). Only an exec whose whole command is one of them gets it."),
    args: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe("With commands: a regular expression the command's arguments (joined by spaces) must match, e.g. ^push\\b for git push."),
    tools: z.array(toolPattern).min(1).optional().describe("Tools whose calls may receive it; only exec takes an environment in OpenClaw 2026.9.6. Alone it means every exec."),
    hosts: z
      .array(z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/, "must be a lower-case host name (api.github.com) or *.example.com"))
      .min(1)
      .optional()
      .describe("Every URL in the command must point at one of these hosts (*.example.com: any subdomain)."),
    rotatedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD").optional().describe("The day the value was last rotated (YYYY-MM-DD)."),
    maxAgeDays: z.number().int().min(1).max(3650).optional().describe("Rotate at least this often; an older (or undated) credential is a warning in health and status."),
  })
  .strict()
  .describe("One scoped credential: all given predicates (commands + args, tools, hosts) must hold for a call to receive it.");

/** A model endpoint for the supervisor and the purpose judge (issue #9): local OpenAI-compatible servers first. */
export const MODEL_NAME_SOURCE = "^[a-z0-9][a-z0-9_-]{0,31}$";
const modelEndpoint = z
  .object({
    provider: z
      .enum(["openai", "anthropic"])
      .describe("openai: any OpenAI-compatible chat completions server (Ollama, llama.cpp, vLLM, OpenAI). anthropic: the Anthropic Messages API."),
    baseUrl: z
      .string()
      .regex(/^https?:\/\/[^/@\s]+(\/\S*)?$/, "must be an http:// or https:// URL without credentials (http://127.0.0.1:11434/v1)")
      .optional()
      .describe("API root: http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1 (llama.cpp). Required for openai; anthropic defaults to https://api.anthropic.com."),
    model: z.string().min(1).max(200).describe("The model id the server knows (llama3.1:8b, claude-haiku-4-5)."),
    apiKey: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe("API key as an environment placeholder (${OLLAMA_API_KEY}); required for anthropic. Both SDKs send it as Authorization: Bearer."),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000).describe("A call slower than this fails (the supervisor then asks humans, or denies)."),
    maxTokens: z.number().int().min(16).max(4096).default(300).describe("Most tokens the model may answer with."),
    jsonMode: z
      .boolean()
      .default(true)
      .describe("openai only: ask for response_format json_object (Ollama, llama.cpp and vLLM accept it); false for a server that refuses it."),
  })
  .strict()
  .refine((m) => m.provider !== "openai" || m.baseUrl !== undefined, { message: "provider openai needs baseUrl (http://127.0.0.1:11434/v1 for a local Ollama)", path: ["baseUrl"] })
  .refine((m) => m.provider !== "anthropic" || m.apiKey !== undefined, { message: "provider anthropic needs apiKey (\"${ANTHROPIC_API_KEY}\")", path: ["apiKey"] })
  .refine((m) => m.apiKey === undefined || m.baseUrl === undefined || !/^http:\/\/(?!(?:127\.[0-9.]+|localhost|\[::1\])(?::[0-9]+)?(?:\/|$))/i.test(m.baseUrl), {
    message: "would send the apiKey unencrypted: use https, or a loopback address (127.0.0.1, localhost, [::1])",
    path: ["baseUrl"],
  })
  .describe("One model endpoint: provider, where it is, which model, and its limits.");

const action = z.enum(["allow", "escalate", "block"]);

/** check_action_purpose (issue #8): what a misaligned or undecided high-stakes call gets. */
const purposeMisaligned = z
  .enum(["auto", "escalate", "block"])
  .describe("auto: escalate on critical channels, block elsewhere; escalate; block. A misaligned call never runs unreviewed.");
const purposeUnknown = z
  .enum(["policy", "escalate", "block"])
  .describe("policy: keep the policy's decision (the channel default); escalate; block.");
const purposeEmail = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address (bob@example.com)");

const purposeSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Check every high-stakes call against the user's own stated goal before it runs."),
    misaligned: purposeMisaligned.default("auto"),
    unknown: purposeUnknown.default("policy"),
    channels: z
      .array(
        z
          .object({
            match: z
              .array(z.string().min(1))
              .min(1)
              .describe("Channel ids (telegram) or single conversations as the session key spells them (telegram:group:-100123)."),
            enabled: z.boolean().optional().describe("Overrides purpose.enabled for these channels."),
            misaligned: purposeMisaligned.optional(),
            unknown: purposeUnknown.optional(),
          })
          .strict(),
      )
      .default([])
      .describe("Per-channel overrides; the first entry whose match names the call's conversation or channel wins."),
    allow: z
      .object({
        emails: z.array(purposeEmail).default([]).describe("Contacts the agent may always address (bob@example.com)."),
        domains: z
          .array(z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, "must be a lower-case domain (example.com or *.example.com)"))
          .default([])
          .describe("Domains whose addresses and sites count as grounded (example.com covers its subdomains)."),
        accounts: z
          .array(z.string().regex(/^[A-Za-z0-9 ]{8,40}$/, "must be an account number or IBAN (letters, digits, spaces)"))
          .default([])
          .describe("Bank accounts / IBANs payments may always go to (the owner's own, declared payees)."),
        users: z.array(z.string().min(1).max(80)).default([]).describe("User names or ids (chat users, repository owners) that count as grounded."),
        phones: z.array(z.string().regex(/^\+?[0-9 ()./-]{7,24}$/, "must be a phone number")).default([]).describe("Phone numbers that count as grounded."),
      })
      .strict()
      .default({ emails: [], domains: [], accounts: [], users: [], phones: [] })
      .describe("Operator-declared entities: a call naming them is grounded whatever the goal says."),
    store: z
      .object({
        maxSessions: z.number().int().min(1).max(100_000).default(1000).describe("Sessions whose goals are kept (least recently used dropped first)."),
        ttlSeconds: z.number().int().min(60).max(604_800).default(21_600).describe("A goal, message or tool result older than this is forgotten."),
        maxMessages: z.number().int().min(1).max(200).default(20).describe("Messages kept per session (trusted and untrusted each)."),
        maxResults: z.number().int().min(1).max(200).default(20).describe("Tool results kept per session (the newest)."),
        maxChars: z.number().int().min(256).max(200_000).default(20_000).describe("Characters kept of each message or tool result."),
      })
      .strict()
      .default({ maxSessions: 1000, ttlSeconds: 21_600, maxMessages: 20, maxResults: 20, maxChars: 20_000 })
      .describe("Bounds of the in-memory goal store (never written to disk; secrets scrubbed before storing)."),
    judge: z
      .object({
        model: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must name an entry of models (lower-case letters, digits, '_', '-')")
          .describe("The judge model: a name under models."),
        channels: z.array(z.string().min(1)).optional().describe("Only these channels or conversations consult the judge (default: all)."),
        timeoutMs: z.number().int().min(100).max(60_000).default(3000).describe("A judge slower than this counts as no answer (unknown)."),
      })
      .strict()
      .optional()
      .describe("Optional model judge, asked only when the local analysis is not confident; it sees the trusted goal and the call, never tool output."),
  })
  .strict()
  .default({
    enabled: true,
    misaligned: "auto",
    unknown: "policy",
    channels: [],
    allow: { emails: [], domains: [], accounts: [], users: [], phones: [] },
    store: { maxSessions: 1000, ttlSeconds: 21_600, maxMessages: 20, maxResults: 20, maxChars: 20_000 },
  })
  .describe("check_action_purpose: every high-stakes call is checked against the user's own stated goal (issue #8).");

export const ConfigSchema = z
  .object({
    highStakesTools: z
      .array(toolPattern)
      .default([...DEFAULT_HIGH_STAKES_TOOLS])
      .describe("HIGH_STAKES_TOOLS: tools with side effects. On critical channels they are escalated; elsewhere highStakesAction applies."),
    highStakesAction: action
      .default("allow")
      .describe("What a high-stakes call outside critical channels gets once no rule or pattern decided it."),
    criticalChannels: z
      .array(z.string().min(1))
      .default([])
      .describe("Channels (telegram) or single conversations (telegram:group:-100123) where unlisted tools are blocked and high-stakes calls are escalated."),
    shellTools: z
      .array(toolPattern)
      .default(["exec", "process", "bash", "code_execution"])
      .describe("Tools whose `command` argument is a shell command to parse and analyse."),
    suspiciousPatterns: z.array(suspiciousPattern).default([]).describe("SUSPICIOUS_PATTERNS added by the operator, on top of the built-in shell analysis."),
    rules: z.array(rule).default([]).describe("Tool rules by channel, agent, sender and chat type."),
    defaultAction: action.default("allow").describe("What a tool nobody listed gets outside critical channels."),
    selfProtect: z
      .object({
        paths: z
          .array(z.string().min(1))
          .default([])
          .describe("Extra files or directories the agent may never touch (besides the OpenClaw config, .env files, the plugin and its state)."),
      })
      .strict()
      .default({ paths: [] })
      .describe("Self-protection: paths no tool call may read or modify."),
    overrideDetection: z
      .object({
        enabled: z.boolean().default(true).describe("Detect and record messages that try to talk the agent out of its policy."),
        phrases: z.array(z.string().min(3).max(200)).default([]).describe("Extra phrases (case-insensitive substrings) to treat as override attempts."),
      })
      .strict()
      .default({ enabled: true, phrases: [] })
      .describe("Policy-override attempt detection (recorded only; it changes nothing)."),
    approvals: z
      .object({
        timeoutMs: z
          .number()
          .int()
          .min(5_000)
          .max(600_000)
          .default(120_000)
          .describe("How long an escalated call waits for a decision before it is denied."),
        route: z
          .enum(["auto", "coordinator", "openclaw"])
          .default("auto")
          .describe(
            "Who decides escalations: coordinator = supervisor model, then human supervisors in the admin chats (the hook waits); openclaw = OpenClaw's own approval surfaces and /approve; auto = coordinator when a supervisor model or an admin chat is configured, else openclaw.",
          ),
        channels: z
          .array(
            z
              .object({
                channels: z
                  .array(z.string().min(1))
                  .min(1)
                  .describe("Channel ids (telegram) or conversations as the session key spells them (telegram:group:-100123); the most specific match wins."),
                route: z.enum(["coordinator", "openclaw"]).optional().describe("Overrides approvals.route for these channels."),
                modelApproveSuffices: z.boolean().optional().describe("Overrides approvals.supervisor.approveSuffices for these channels."),
                allowAlways: z.boolean().optional().describe("Overrides approvals.allowAlways for these channels."),
              })
              .strict(),
          )
          .default([])
          .describe("Per-channel escalation settings."),
        supervisor: z
          .object({
            model: z
              .string()
              .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must name an entry of models (lower-case letters, digits, '_', '-')")
              .optional()
              .describe("The supervisor model (a name under models); it reviews every escalation first. Without it, humans decide alone."),
            approveSuffices: z
              .boolean()
              .default(false)
              .describe("true: the model's approve lets the call run without a human; false (default): humans always confirm."),
          })
          .strict()
          .default({ approveSuffices: false })
          .describe("The supervisor model's part (issue #9)."),
        telegram: z
          .object({
            chatId: z.string().regex(/^-?[0-9]{1,20}$/, "must be a numeric Telegram chat id").optional().describe("The supervisors' chat (default: admin.telegram.chatId); the admin bot posts there."),
            topicId: z.string().regex(/^[0-9]{1,12}$/, "must be a numeric forum topic id (message_thread_id)").optional().describe("Forum topic for escalation cards."),
            supervisors: z
              .array(z.string().regex(/^[0-9]{1,20}$/, "must be a numeric Telegram user id; never a username"))
              .min(1)
              .optional()
              .describe("Telegram user ids who may approve or deny (default: admin.telegram.operators)."),
          })
          .strict()
          .optional()
          .describe("Human supervisors on Telegram (through the admin bot)."),
        discord: z
          .object({
            channelId: z.string().regex(/^[0-9]{15,25}$/, "must be a channel snowflake (numeric id)").optional().describe("The supervisors' channel in the admin guild (default: admin.discord.channelId); each escalation gets a thread."),
            supervisors: z
              .array(z.string().regex(/^[0-9]{15,25}$/, "must be a Discord user snowflake; never a username"))
              .min(1)
              .optional()
              .describe("Discord user ids who may approve or deny (default: admin.discord.operators)."),
          })
          .strict()
          .optional()
          .describe("Human supervisors on Discord (through the admin bot)."),
        maxPending: z.number().int().min(1).max(10_000).default(200).describe("Escalations one gateway keeps waiting at once; more are denied at once."),
        allowAlways: z
          .boolean()
          .default(false)
          .describe(
            "openclaw route: offer allow-always. The coordinator remembers it, scoped to (channel, agent, tool, exact arguments); see approvals grants / revoke and /status.",
          ),
      })
      .strict()
      .default({ timeoutMs: 120_000, route: "auto", channels: [], supervisor: { approveSuffices: false }, maxPending: 200, allowAlways: false })
      .describe("Escalation (issue #9): supervisor model, human supervisors in-thread, or OpenClaw's approvals."),
    decisionNotes: z
      .object({
        enabled: z.boolean().default(true).describe("Append each decided call and its outcome to the agent workspace's daily memory file."),
        dir: z
          .string()
          .min(1)
          .regex(/^(?!\/)(?!.*\.\.)/, "must be a relative path inside the workspace")
          .default("memory")
          .describe("Folder inside the agent workspace for the daily files (YYYY-MM-DD.md, heading \"## Coordinator decisions\")."),
      })
      .strict()
      .default({ enabled: true, dir: "memory" })
      .describe("Daily decision notes (private memory: keep them out of group sessions)."),
    privateMemory: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe("Keep private memory out of every session not proven private (group, channel, thread, topic, unknown, or the main session without a proven owner)."),
        tools: z
          .array(toolPattern)
          .default([...DEFAULT_MEMORY_TOOLS])
          .describe("Tools that read private memory (memory-core's memory_search / memory_get, memory-lancedb's memory_recall); blocked in shared sessions, also through the tool_call bridge."),
        paths: z
          .array(
            z
              .string()
              .min(1)
              .regex(/^(?![/~])(?!.*(^|\/)\.\.(\/|$))/, "must be a path relative to the agent workspace, without '..'")
              .describe("A file or folder relative to the workspace; * and ? match within one name, a trailing /** means everything below."),
          )
          .default([...DEFAULT_PRIVATE_MEMORY_PATHS])
          .describe("Files and folders of each agent workspace that hold private memory; the decision-notes folder is always included."),
        senders: z
          .array(z.string().regex(/^(?:[a-z0-9_-]+:)?[0-9]{1,25}$/, "must be a numeric user id or snowflake, optionally channel-prefixed (telegram:42); never a username"))
          .default([])
          .describe("Senders (numeric ids, optionally channel-prefixed) whose turns in the agent's main session count as private although OpenClaw did not mark them owner."),
      })
      .strict()
      .default({ enabled: true, tools: [...DEFAULT_MEMORY_TOOLS], paths: [...DEFAULT_PRIVATE_MEMORY_PATHS], senders: [] })
      .describe("Private memory (issue #6): memory tools and memory files are blocked in shared sessions; private sessions (a DM key, or the main session with its owner) keep full access."),
    audit: z
      .object({
        enabled: z.boolean().default(true).describe("Record every tool call (before and after), config loads and override attempts in a hash-chained log."),
        dir: z.string().min(1).optional().describe("Audit directory; default <stateDir>/audit. Files roll daily: YYYY-MM-DD.jsonl."),
        timeZone: z
          .string()
          .default("UTC")
          .refine((tz) => {
            try {
              new Intl.DateTimeFormat("en", { timeZone: tz });
              return true;
            } catch {
              return false;
            }
          }, "is not an IANA time zone (e.g. UTC, Europe/Berlin)")
          .describe("Time zone that decides when a day's file rolls over."),
        checkpointEvery: z.number().int().min(0).max(1_000_000).default(1000).describe("Write a signed checkpoint every this many records (0: never by count)."),
        checkpointSeconds: z.number().int().min(0).max(86_400).default(300).describe("…or after this many seconds (0: never by time)."),
        signingKey: z
          .string()
          .min(1)
          .optional()
          .describe("Ed25519 private key (PEM, mode 600) for checkpoints; create it with `otheru-coordinator audit keygen FILE`. Without it no checkpoints are written."),
      })
      .strict()
      .default({ enabled: true, timeZone: "UTC", checkpointEvery: 1000, checkpointSeconds: 300 })
      .describe("The verifiable audit trail."),
    store: z
      .object({
        kind: z.enum(["sqlite", "redis"]).default("sqlite").describe("sqlite: embedded, one machine (default). redis: shared by every gateway using the same URL."),
        path: z.string().min(1).optional().describe("SQLite file; default <stateDir>/state.sqlite."),
        url: z
          .string()
          .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
          .optional()
          .describe("Redis URL for kind redis, as a placeholder: ${REDIS_URL} (a password in it is a secret)."),
        namespace: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'")
          .default("otheru-coordinator")
          .describe("Key prefix, so several deployments can share one Redis."),
        timeoutMs: z.number().int().min(50).max(30_000).default(1000).describe("A store operation slower than this counts as the store being down (tool calls are blocked)."),
      })
      .strict()
      .refine((s) => s.kind !== "redis" || s.url !== undefined, { message: "kind redis needs url", path: ["url"] })
      .default({ kind: "sqlite", namespace: "otheru-coordinator", timeoutMs: 1000 })
      .describe("Where the kill switch (and shared state) lives. If it cannot be read, every tool call is blocked."),
    admin: z
      .object({
        telegram: z
          .object({
            token: z.string().min(1).describe("The admin bot's token, as a placeholder (${ADMIN_TELEGRAM_TOKEN}); never the agent's own bot token."),
            chatId: z.string().regex(/^-?[0-9]{1,20}$/, "must be a numeric Telegram chat id (e.g. -1001234567890)").describe("The private admin chat (numeric id)."),
            operators: z
              .array(z.string().regex(/^[0-9]{1,20}$/, "must be a numeric Telegram user id; never a username"))
              .min(1)
              .describe("Telegram user ids allowed to issue admin commands."),
            apiRoot: z.string().url().optional().describe("Bot API server root (default https://api.telegram.org); for a self-hosted Bot API server."),
          })
          .strict()
          .optional()
          .describe("Telegram admin bot (grammy, long polling)."),
        discord: z
          .object({
            token: z.string().min(1).describe("The admin bot's token, as a placeholder (${ADMIN_DISCORD_TOKEN}); never the agent's own bot token."),
            guildId: z.string().regex(/^[0-9]{15,25}$/, "must be a guild snowflake (numeric id)").describe("The server (guild) of the admin channel."),
            channelId: z.string().regex(/^[0-9]{15,25}$/, "must be a channel snowflake (numeric id)").describe("The private admin channel."),
            operators: z
              .array(z.string().regex(/^[0-9]{15,25}$/, "must be a Discord user snowflake; never a username"))
              .min(1)
              .describe("Discord user ids allowed to issue admin commands."),
            apiRoot: z.string().url().optional().describe("REST API root (default https://discord.com/api)."),
          })
          .strict()
          .optional()
          .describe("Discord admin bot (discord.js)."),
        maxMessageAgeSeconds: z
          .number()
          .int()
          .min(10)
          .max(3_600)
          .default(300)
          .describe("Admin messages older than this (or from the future) are refused as replays."),
        postCheckpoints: z.boolean().default(true).describe("Post each signed audit checkpoint to the admin chats (an outside copy that catches truncation)."),
      })
      .strict()
      .default({ maxMessageAgeSeconds: 300, postCheckpoints: true })
      .describe("The operators' private admin channel: /stop, /resume, /status, /health, /pending, /audit verify."),
    credentials: z
      .array(credential)
      .default([])
      .describe("Scoped credentials: each env var reaches only the exec calls its scope covers; other execs get it blanked if the gateway exports it."),
    models: z
      .record(z.string().regex(new RegExp(MODEL_NAME_SOURCE)), modelEndpoint, {
        error: (issue) => (issue.code === "invalid_key" ? "is not a model name: use 1-32 lower-case letters, digits, '_' or '-' (local, claude)" : undefined),
      })
      .default({})
      .describe("Named model endpoints (local, claude) for the supervisor model and the purpose judge; nothing calls a model unless configured."),
    purpose: purposeSchema,
    stateDir: z.string().min(1).optional().describe("Where the plugin keeps its state; default <OpenClaw state dir>/otheru-coordinator."),
    envFile: z.string().min(1).optional().describe("A .env file (mode 600) to load secrets from; default .env beside the OpenClaw config."),
  })
  .strict()
  .describe("otheru-coordinator plugin config (plugins.entries.otheru-coordinator.config).");

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Rule = Config["rules"][number];
export type SuspiciousPattern = Config["suspiciousPatterns"][number];
export type CredentialConfig = Config["credentials"][number];
export type ModelEndpoint = Config["models"][string];
export type Action = z.output<typeof action>;
export type ChatTypeSelector = z.output<typeof chatType>;

/** The JSON Schema written into plugin/openclaw.plugin.json. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: "input" }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
