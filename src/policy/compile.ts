// Compile a validated config once into matchers the engine runs per call (no parsing on the hot path).
import type { Action, Config, PATH_CLASSES } from "../config/schema.ts";

export type PathClassName = (typeof PATH_CLASSES)[number];
import { compileToolPatterns, type ToolMatcher } from "./tools.ts";
import { normaliseMemoryPath } from "../memory/private-memory.ts";
import type { CallContext } from "./types.ts";

export type CompiledRule = {
  id: string;
  matches: (ctx: CallContext) => boolean;
  allow: ToolMatcher;
  escalate: ToolMatcher;
  deny: ToolMatcher;
};

export type CompiledPattern = {
  id: string;
  tools: ToolMatcher;
  re: RegExp | undefined;
  commands: ReadonlySet<string> | undefined;
  args: RegExp | undefined;
  pathClasses: ReadonlySet<PathClassName> | undefined;
  access: ReadonlySet<string> | undefined;
  action: "block" | "escalate";
  reason: string;
};

/** Private memory, compiled: which tools read it, which workspace paths hold it (decision notes included), who counts as private. */
export type CompiledPrivateMemory = {
  enabled: boolean;
  isMemoryTool: ToolMatcher;
  /** Workspace-relative, normalised (memory/** -> memory). */
  paths: readonly string[];
  senders: readonly string[];
};

export type CompiledPolicy = {
  policyHash: string;
  isHighStakes: ToolMatcher;
  isShellTool: ToolMatcher;
  isCritical: (ctx: CallContext) => boolean;
  rules: readonly CompiledRule[];
  patterns: readonly CompiledPattern[];
  defaultAction: Action;
  highStakesAction: Action;
  privateMemory: CompiledPrivateMemory;
};

function compileMatch(match: Config["rules"][number]["match"]): (ctx: CallContext) => boolean {
  const channels = match.channels?.map((c) => c.toLowerCase());
  const agents = match.agents?.map((a) => a.toLowerCase());
  const senders = match.senders;
  const types = match.chatTypes;
  return (ctx) => {
    if (channels && !channels.some((c) => matchesChannel(c, ctx))) return false;
    if (agents && !(ctx.agentId && agents.includes(ctx.agentId.toLowerCase()))) return false;
    if (senders) {
      if (!ctx.senderId) return false;
      const ok = senders.some((s) => (s.includes(":") ? s === `${ctx.channel ?? ""}:${ctx.senderId}` : s === ctx.senderId));
      if (!ok) return false;
    }
    if (match.owner !== undefined && (ctx.senderIsOwner === true) !== match.owner) return false;
    if (types) {
      const t = ctx.chatType;
      const ok = types.some((sel) =>
        sel === "shared" ? t !== "direct" : sel === t || (t === "unknown" && (sel === "group" || sel === "channel")),
      );
      if (!ok) return false;
    }
    return true;
  };
}

/** `telegram` names a whole channel; `telegram:group:-100123` one conversation (and its threads). */
export function matchesChannel(entry: string, ctx: CallContext): boolean {
  if (!entry.includes(":")) return ctx.channel === entry;
  const conv = ctx.conversation?.toLowerCase();
  return conv !== undefined && (conv === entry || conv.startsWith(`${entry}:`));
}

export function compilePolicy(config: Config, policyHash: string): CompiledPolicy {
  const critical = config.criticalChannels.map((c) => c.toLowerCase());
  return {
    policyHash,
    isHighStakes: compileToolPatterns(config.highStakesTools),
    isShellTool: compileToolPatterns(config.shellTools),
    isCritical: (ctx) => critical.some((c) => matchesChannel(c, ctx)),
    rules: config.rules.map((r) => ({
      id: r.id,
      matches: compileMatch(r.match),
      allow: compileToolPatterns(r.allow),
      escalate: compileToolPatterns(r.escalate),
      deny: compileToolPatterns(r.deny),
    })),
    patterns: config.suspiciousPatterns.map((p) => ({
      id: p.id,
      tools: compileToolPatterns(p.tools),
      re: p.pattern === undefined ? undefined : new RegExp(p.pattern, p.flags),
      commands: p.commands === undefined ? undefined : new Set(p.commands),
      args: p.args === undefined ? undefined : new RegExp(p.args, p.flags),
      pathClasses: p.pathClasses === undefined ? undefined : new Set(p.pathClasses),
      access: p.access === undefined ? undefined : new Set(p.access),
      action: p.action,
      reason: p.reason,
    })),
    defaultAction: config.defaultAction,
    highStakesAction: config.highStakesAction,
    privateMemory: {
      enabled: config.privateMemory.enabled,
      isMemoryTool: compileToolPatterns(config.privateMemory.tools),
      paths: [...new Set([...config.privateMemory.paths, config.decisionNotes.dir].map(normaliseMemoryPath).filter((p) => p !== ""))],
      senders: config.privateMemory.senders,
    },
  };
}
