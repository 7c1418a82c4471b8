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
