// fs.*: destructive deletes and writes outside the agent's working areas.
import { credentialDirKind, credentialKind, isHistoryFile, persistenceKind } from "../../patterns/credentials.ts";
import { classifyPath, effectiveTarget } from "../paths.ts";
import type { Facts, Hit, ToolCall } from "../types.ts";

export function checkFilesystem(_call: ToolCall, facts: Facts): Hit | undefined {
  const { analysis, host } = facts;
  const projectDir = analysis.workdir;
  let escalate: Hit | undefined;
  for (const p of analysis.paths) {
    const target = effectiveTarget(p);
    const where = p.real ?? p.lexical;
    if (p.access === "read" || p.access === "unknown" || p.access === "exec") {
      const kind = credentialKind(where, host.home) ?? credentialKind(p.lexical, host.home) ?? (p.broad ? (credentialDirKind(where, host.home) ?? credentialDirKind(p.lexical, host.home)) : undefined);
      if (kind && analysis.sends && kind !== ".env secrets") return { ruleId: "exfil.network", verdict: "block", reason: `The call would send ${p.raw} (${kind}) off this machine.` };
      if (kind === ".env secrets") escalate ??= { ruleId: "cred.read", verdict: "escalate", reason: `Reading ${p.raw} would put the secrets in a .env file in front of the model.` };
      else if (kind) return { ruleId: "cred.read", verdict: "block", reason: `Reading ${p.raw} exposes a ${kind}.` };
    }
    if ((p.access === "write" || p.access === "delete") && (isHistoryFile(where, host.home) || isHistoryFile(p.lexical, host.home))) {
      return { ruleId: "safeguard.history", verdict: "block", reason: `Changing ${p.raw} erases or hides the shell history that records what was done.` };
    }
    if (p.access === "write" || p.access === "delete") {
      const persist = persistenceKind(where, host.home) ?? persistenceKind(p.lexical, host.home);
      if (persist) escalate ??= { ruleId: "persist.startup-file", verdict: "escalate", reason: `Changing ${p.raw} (${persist}) makes code run automatically later.` };
    }
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
