// Child process for the lock tests: appends one record to the audit dir in argv[2]; with "hold" it keeps the
// directory's lock until its stdin closes, otherwise it closes the log and exits (0 when the append worked).
import { createAuditLog } from "../../src/audit/log.ts";

const dir = process.argv[2] as string;
const hold = process.argv[3] === "hold";
const log = createAuditLog({ dir, timeZone: "UTC", checkpointEvery: 0, checkpointSeconds: 0 });
try {
  const r = await log.append({ kind: "admin", action: hold ? "hold" : "once", pid: process.pid });
  process.stdout.write(`appended ${r.seq}\n`);
} catch (err) {
  process.stdout.write(`refused ${(err as Error).message}\n`);
  process.exit(2);
}
if (hold) {
  process.stdout.write("ready\n");
  process.stdin.resume();
  process.stdin.on("end", () => {
    void log.close().then(() => process.exit(0));
  });
} else {
  await log.close();
}
