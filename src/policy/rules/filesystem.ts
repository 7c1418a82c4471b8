// fs.*: destructive deletes and writes outside the agent's working areas.
import { classifyPath, effectiveTarget } from "../paths.ts";
import type { Facts, Hit, ToolCall } from "../types.ts";

export function checkFilesystem(_call: ToolCall, facts: Facts): Hit | undefined {
  const { analysis, host } = facts;
  const projectDir = analysis.workdir;
  let escalate: Hit | undefined;
  for (const p of analysis.paths) {
    const target = effectiveTarget(p);
    const cls = classifyPath(target, host, projectDir);
    const broad = p.broad || target !== (p.real ?? p.lexical);
    if (p.access === "delete") {
      // A filtered find inside a working area removes matching files, not the area itself.
      if (p.selective && (cls === "workspace-root" || cls === "project-root")) continue;
      if (cls === "root" || cls === "system" || cls === "device" || cls === "home-root" || cls === "home-sensitive" || cls === "workspace-root" || cls === "project-root") {
        return { ruleId: "fs.destructive", verdict: "block", reason: `Deleting ${p.raw} would destroy ${describe(cls)}.` };
      }
      if (cls === "home-other" || cls === "other") {
        if (broad) return { ruleId: "fs.destructive", verdict: "block", reason: `Recursively deleting ${p.raw} destroys data outside the agent's workspace.` };
        escalate ??= { ruleId: "fs.delete-outside-workspace", verdict: "escalate", reason: `Deleting ${p.raw} removes a file outside the agent's workspace.` };
      }
    } else if (p.access === "write") {
      if (cls === "device") return { ruleId: "fs.device-write", verdict: "block", reason: `Writing to ${p.raw} overwrites a raw disk.` };
      if (cls === "root" || cls === "system") return { ruleId: "fs.system-write", verdict: "block", reason: `Writing ${p.raw} modifies system files.` };
      if (cls === "home-sensitive" || cls === "home-root") {
        escalate ??= { ruleId: "fs.sensitive-write", verdict: "escalate", reason: `Writing ${p.raw} changes the user's shell, SSH or tool configuration.` };
      }
    }
  }
  return escalate;
}

function describe(cls: string): string {
  switch (cls) {
    case "root": return "the whole filesystem";
    case "system": return "system files";
    case "device": return "a disk";
    case "home-root": return "the user's home directory";
    case "home-sensitive": return "the user's configuration, keys or credentials";
    case "workspace-root": return "the agent's whole workspace";
    case "project-root": return "the whole project directory";
    default: return "data outside the workspace";
  }
}
