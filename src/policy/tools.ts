// Tool-name patterns: exact names, `*` wildcards and OpenClaw's `group:*` tool groups.

/** OpenClaw 2026.9.6 tool groups (docs/gateway/config-tools/tool-policy.md). */
export const TOOL_GROUPS: Readonly<Record<string, readonly string[]>> = {
  "group:runtime": ["exec", "process", "code_execution", "bash"],
  "group:fs": ["read", "write", "edit", "apply_patch"],
  "group:sessions": [
    "sessions", "sessions_list", "sessions_history", "sessions_search", "conversations_list",
    "conversations_send", "conversations_turn", "sessions_send", "sessions_spawn", "sessions_yield",
    "subagents", "session_status", "suggest_task", "dismiss_task",
  ],
  "group:memory": ["memory_search", "memory_get"],
  "group:web": ["web_search", "x_search", "web_fetch"],
  "group:ui": ["browser", "screen", "theme", "dashboard", "terminal", "portal", "canvas", "show_widget"],
  "group:automation": ["heartbeat_respond", "automations", "cron", "gateway", "plugins", "openclaw"],
  "group:messaging": ["message"],
  "group:nodes": ["nodes", "computer"],
  "group:agents": ["agents_list", "get_goal", "create_goal", "update_goal", "progress_card", "ask_user", "skill_workshop"],
  "group:media": ["view_image", "image_generate", "music_generate", "video_generate", "tts", "pdf"],
};

/** Every pattern a config may use: a tool name, a name with `*` wildcards, or a known group. */
export const TOOL_PATTERN_SOURCE = "^(?:group:[a-z]+|[A-Za-z0-9_.*-]+)$";

export function isKnownToolGroup(pattern: string): boolean {
  return Object.hasOwn(TOOL_GROUPS, pattern);
}

export type ToolMatcher = (tool: string) => boolean;

/** Compile a list of tool patterns into one predicate; names compare case-insensitively. */
export function compileToolPatterns(patterns: readonly string[]): ToolMatcher {
  const exact = new Set<string>();
  const wild: RegExp[] = [];
  for (const pattern of patterns) {
    const group = TOOL_GROUPS[pattern];
    if (group) {
      for (const name of group) exact.add(name);
    } else if (pattern.includes("*")) {
      const body = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join(".*");
      wild.push(new RegExp(`^${body}$`, "i"));
    } else {
      exact.add(pattern.toLowerCase());
    }
  }
  return (tool) => {
    const name = tool.toLowerCase();
    return exact.has(name) || wild.some((re) => re.test(name));
  };
}

/** OpenClaw's Tool Search bridge: `tool_call` runs a catalog tool named by `id` (or `toolId`, `name`) with `args`. */
export const BRIDGE_TOOLS: ReadonlySet<string> = new Set(["tool_call"]);
const BRIDGE_SELECTORS = ["id", "toolId", "name"] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The inner call(s) of a bridge call, read the way OpenClaw 2026.9.6 reads them (readToolSearchCallArgs):
 * selector `id` / `toolId` / `name` (a catalog id `openclaw:core:read` or a bare name), input nested under
 * `args` / `input`, dotted `args.x`, or flattened beside the selector. Every selector value is a candidate
 * and the input is the union of all spellings, so no reading OpenClaw might choose is missed.
 */
export function bridgedCalls(tool: string, params: Record<string, unknown>): { tool: string; params: Record<string, unknown> }[] {
  if (!BRIDGE_TOOLS.has(tool.toLowerCase())) return [];
  const nested = [params.args, params.input].filter(isRecord);
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === "args" || k === "input" || (BRIDGE_SELECTORS as readonly string[]).includes(k)) continue;
    input[k.startsWith("args.") ? k.slice(5) : k] = v;
  }
  for (const n of nested) Object.assign(input, n);
  const names = new Set<string>();
  for (const source of [params, ...nested]) {
    for (const key of BRIDGE_SELECTORS) {
      const v = source[key];
      if (typeof v === "string" && v.trim() !== "") names.add(v.trim().slice(v.trim().lastIndexOf(":") + 1));
    }
  }
  return [...names].filter((n) => n !== "" && !BRIDGE_TOOLS.has(n.toLowerCase())).map((n) => ({ tool: n, params: input }));
}
