// `otheru-coordinator approvals list|approve ID|deny ID|grants|revoke ID`: the console route to the same escalations the
// supervisor bots show, and to the standing allow-always grants.
import { userInfo } from "node:os";
import { createBroker } from "../approvals/broker.ts";
import { outcomeText } from "../approvals/clicks.ts";
import { createGrants } from "../approvals/grants.ts";
import { EXIT_FAILED, EXIT_OK, type Loaded } from "./io.ts";
import { openCliStore } from "./operator.ts";

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "unknown");
  }
}

export async function runApprovals(l: Loaded, sub: "list" | "approve" | "deny" | "grants" | "revoke", id: string | undefined, opts: { json: boolean; note?: string | undefined }, out: NodeJS.WritableStream): Promise<number> {
  const store = openCliStore(l);
  // The CLI never writes to a live audit log: the gateway waiting on the escalation records the outcome it observes.
  const broker = createBroker({ store, instanceId: `cli:${process.pid}`, record: async () => undefined, log: { warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) } });
  try {
    if (sub === "list") {
      const pending = await broker.listPending();
      if (opts.json) out.write(`${JSON.stringify({ pending })}\n`);
      else if (pending.length === 0) out.write("No escalations are waiting for a decision.\n");
      else for (const e of pending) out.write(`${e.id}  ${e.tool}  [${e.ruleIds.join(", ")}]  ${e.sessionKey ?? e.channel ?? "?"}  requester ${e.requester.senderId ?? "?"}  expires ${e.expiresAt}\n    ${e.argsSummary.slice(0, 200)}\n`);
      return EXIT_OK;
    }
    if (sub === "grants") {
      const grants = await createGrants(store).list();
      if (opts.json) out.write(`${JSON.stringify({ grants })}\n`);
      else if (grants.length === 0) out.write("No standing grants (allow-always).\n");
      else for (const g of grants) out.write(`${g.id}  ${g.tool}  @ ${g.channel}  agent ${g.agentId}  since ${g.grantedAt}\n    ${g.argsSummary.slice(0, 200)}\n`);
      return EXIT_OK;
    }
    if (sub === "revoke") {
      if (!(await createGrants(store).revoke(id ?? ""))) {
        process.stderr.write(`otheru-coordinator: no standing grant ${JSON.stringify(id)}; run otheru-coordinator approvals grants\n`);
        return EXIT_FAILED;
      }
      out.write(`Standing grant ${id} revoked: the next such call asks for approval again.\n`);
      return EXIT_OK;
    }
    const r = await broker.decide(id ?? "", sub === "approve" ? "approved" : "denied", { via: "cli", userId: operatorName() }, opts.note);
    if (!r.ok) {
      process.stderr.write(`otheru-coordinator: no escalation ${JSON.stringify(id)} in ${store.kind} ${store.location}; run otheru-coordinator approvals list\n`);
      return EXIT_FAILED;
    }
    if (!r.won) {
      process.stderr.write(`otheru-coordinator: escalation ${r.escalation.id} was already decided: ${outcomeText(r.outcome)}\n`);
      return EXIT_FAILED;
    }
    out.write(`${r.escalation.id} ${r.escalation.tool}: ${outcomeText(r.outcome)}\n`);
    return EXIT_OK;
  } finally {
    broker.close();
    await store.close();
  }
}
