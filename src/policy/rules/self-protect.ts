// self.protect: no tool call may read or change the coordinator (config, .env, plugin, state, audit) or stop it.
import type { ShellCommand } from "../../patterns/types.ts";
import { effectiveTarget, isProtected, isWithin } from "../paths.ts";
import type { Facts, Hit, ToolCall } from "../types.ts";

const SELF = /otheru|openclaw/i;

function stopsCoordinator(cmd: ShellCommand): string | undefined {
  const [sub, ...rest] = cmd.args;
  const text = cmd.args.join(" ");
  switch (cmd.name) {
    case "docker":
    case "podman":
    case "nerdctl":
      if (/^(stop|kill|rm|pause|restart|update|container)$/.test(sub ?? "") && SELF.test(text)) return "stops or removes the coordinator's container";
      return undefined;
    case "docker-compose":
      if (/\b(down|stop|kill|rm|pause)\b/.test(text)) return "stops the coordinator's compose deployment";
      return undefined;
    case "pkill":
    case "killall":
      if (SELF.test(text)) return "kills the OpenClaw gateway or the coordinator";
      // The gateway is a node process: killing every node process kills it too.
      return cmd.args.some((a) => /^(node|nodejs)$/.test(a)) ? "kills every node process, the OpenClaw gateway included" : undefined;
    case "kill":
      return SELF.test(text) ? "kills the OpenClaw gateway or the coordinator" : undefined;
    case "systemctl":
    case "service":
      return /(stop|disable|mask|kill|restart)/.test(text) && SELF.test(text) ? "stops the OpenClaw service" : undefined;
    case "npm":
    case "pnpm":
    case "yarn":
    case "bun":
      return /^(uninstall|remove|rm|un|r|unlink)$/.test(sub ?? "") && rest.some((a) => /^(openclaw|otheru-coordinator)(@|$)/.test(a)) ? "uninstalls OpenClaw or the coordinator" : undefined;
    case "openclaw":
      if (sub === "plugins" && /^(disable|uninstall|remove|install|update|reload)$/.test(rest[0] ?? "")) return "changes OpenClaw's plugins";
      if (sub === "config" && /^(set|unset|patch|apply|edit|reset)$/.test(rest[0] ?? "")) return "changes OpenClaw's config";
      if ((sub === "gateway" || sub === "daemon") && /^(stop|restart|uninstall|disable)$/.test(rest[0] ?? "")) return "stops the OpenClaw gateway";
      if (sub === "security" || sub === "reset" || sub === "uninstall") return "changes OpenClaw's security settings";
      return undefined;
    default:
      return undefined;
  }
}

export function checkSelfProtect(call: ToolCall, facts: Facts): Hit | undefined {
  const { analysis, host } = facts;
  for (const p of analysis.paths) {
    if (isProtected(p, host)) {
      return { ruleId: "self.protect", verdict: "block", reason: `The call touches the coordinator's own files (${p.raw}); the agent may not read or change its config, secrets, state or audit log.` };
    }
    if (p.access === "delete" || p.access === "write") {
      const target = effectiveTarget(p);
      if (host.protectedPaths.some((root) => isWithin(root, target) && target !== root) && (p.broad || p.access === "delete")) {
        return { ruleId: "self.protect", verdict: "block", reason: `The call would delete or overwrite a directory that holds the coordinator's files (${p.raw}).` };
      }
    }
  }
  for (const cmd of analysis.shell?.commands ?? []) {
    const why = stopsCoordinator(cmd);
    if (why) return { ruleId: "self.protect", verdict: "block", reason: `The command ${why}; only operators may do that.` };
  }
  if (call.tool.toLowerCase() === "gateway") {
    const action = String(call.params.action ?? "");
    if (/^(config\.|update|restart|plugins?\.)/.test(action)) {
      return { ruleId: "self.protect", verdict: "block", reason: `gateway ${action} would change or restart OpenClaw itself; only operators may do that.` };
    }
  }
  return undefined;
}
