// Child process for the crash test: appends records as fast as it can and prints each durable sequence number.
import { createAuditLog } from "../../src/audit/log.ts";

const dir = process.argv[2] as string;
const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
let n = 0;
async function burst(): Promise<void> {
  for (;;) {
    const batch = Array.from({ length: 50 }, () => log.append({ kind: "call.before", tool: "exec", args: { command: `echo ${++n} ${"x".repeat(200)}` }, decision: "allow", ruleIds: [] }));
    for (const p of batch) {
      const r = await p;
      process.stdout.write(`${r.seq}\n`);
    }
  }
}
void burst();
