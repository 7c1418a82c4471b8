// Operator surfaces on the gateway itself: GET /dependencies/health and the in-chat /coordinator command.
import type { IncomingMessage, ServerResponse } from "node:http";
import { changeKillSwitch, pendingText, statusText } from "../../admin/core.ts";
import { formatHealth } from "../../admin/health.ts";
import type { CoordinatorRuntime } from "../../admin/runtime.ts";
import type { HookLog } from "./hook.ts";

export const HEALTH_PATH = "/dependencies/health";
export const COMMAND_NAME = "coordinator";

/** JSON health, 200 when every required dependency is up, 503 otherwise. No secrets, no conversation content. */
export function createHealthRoute(runtime: Pick<CoordinatorRuntime, "health">) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    let body: string;
    try {
      const h = await runtime.health();
      res.statusCode = h.ok ? 200 : 503;
      body = JSON.stringify(h);
    } catch (err) {
      res.statusCode = 503;
      body = JSON.stringify({ ok: false, error: `health check failed: ${(err as Error).message}` });
    }
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.setHeader("cache-control", "no-store");
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}

/** The parts of OpenClaw's command context we read. */
export type CommandCtx = {
  args?: string | undefined;
  senderId?: string | undefined;
  channel?: string | undefined;
  isAuthorizedSender?: boolean | undefined;
  senderIsOwner?: boolean | undefined;
  /** Set for gateway clients (webchat, control UI): their operator scopes. */
  gatewayClientScopes?: readonly string[] | undefined;
};

const USAGE = "Usage: /coordinator stop [reason] | resume | status | health | pending\n(OpenClaw's own /stop only aborts this chat's current run; /coordinator stop blocks every tool call everywhere.)";

/** `/coordinator stop|resume|status|health|pending` for owners on the agent's own channels. */
export function createCoordinatorCommand(runtime: Pick<CoordinatorRuntime, "deps" | "health">, log: HookLog) {
  return {
    name: COMMAND_NAME,
    description: "Coordinator emergency stop and health: /coordinator stop [reason] | resume | status | health | pending",
    acceptsArgs: true,
    requireAuth: true,
    exposeSenderIsOwner: true,
    handler: async (ctx: CommandCtx): Promise<{ text: string }> => {
      const [sub = "", ...rest] = (ctx.args ?? "").trim().split(/\s+/);
      const verb = sub.toLowerCase();
      const who = `command:${ctx.channel ?? "?"}:${ctx.senderId ?? "?"}`;
      if (ctx.isAuthorizedSender !== true) return { text: "Not authorised." };
      try {
        switch (verb) {
          case "stop":
          case "resume": {
            // Changing the switch needs proven ownership, not only an allow-listed sender: an owner on a chat
            // surface, or a gateway client (webchat, control UI) holding the operator.admin scope.
            if (ctx.senderIsOwner !== true && !(ctx.gatewayClientScopes ?? []).includes("operator.admin")) {
              void runtime.deps.record({ kind: "admin", action: "refused", via: "command", senderId: ctx.senderId ?? null, channel: ctx.channel ?? null, why: "sender is not an owner", command: verb }).catch(() => undefined);
              return { text: `Only an owner can ${verb} the coordinator.` };
            }
            const reason = rest.join(" ").trim();
            return { text: (await changeKillSwitch(runtime.deps, { engaged: verb === "stop", reason: reason || undefined, by: who, via: "command" })).text };
          }
          case "status":
            return { text: await statusText(runtime.deps) };
          case "health":
            return { text: formatHealth(await runtime.health()) };
          case "pending":
            return { text: pendingText(runtime.deps.pending()) };
          default:
            return { text: USAGE };
        }
      } catch (err) {
        log.error(`otheru-coordinator: /coordinator ${verb} failed: ${(err as Error).message}`);
        return { text: `/coordinator ${verb} FAILED: ${(err as Error).message}. Use the CLI (otheru-coordinator stop) or docker stop otheru-coordinator.` };
      }
    },
  };
}
