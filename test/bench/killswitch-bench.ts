// npm run bench, `killSwitch` key: time from an admin /stop arriving at one instance to the stop being visible
// to another instance's next decision, with the embedded store and with a real redis-server (same run).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readKillSwitch, setKillSwitch } from "../../src/state/killswitch.ts";
import { openStateStore, type StoreSettings } from "../../src/state/store.ts";
import { startRedis } from "../redis-server.ts";
import { stopHandlerOn } from "../helpers.ts";

type Propagation = { samples: number; ackP50Us: number; ackP99Us: number; visibleP50Us: number; visibleP99Us: number; readP50Us: number };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0);
}

async function measure(settings: StoreSettings, rounds: number): Promise<Propagation> {
  const a = openStateStore(settings);
  const b = openStateStore(settings);
  const handler = stopHandlerOn(a, "bench-a");
  const ack: number[] = [];
  const visible: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await setKillSwitch(a, { engaged: false, by: "bench", via: "cli", instance: "bench-a" });
    const t0 = process.hrtime.bigint();
    const done = handler({ platform: "telegram", chatId: "-100", senderId: "1", senderIsBot: false, text: "/stop bench", messageId: `m${i}-${Date.now()}`, sentAtMs: Date.now() });
    // Instance B polls as its hooks would: each read is one decision's kill-switch check.
    let seen = false;
    for (let j = 0; j < 100_000 && !seen; j++) {
      const r0 = process.hrtime.bigint();
      seen = (await readKillSwitch(b)).engaged;
      reads.push(Number(process.hrtime.bigint() - r0) / 1000);
    }
    visible.push(Number(process.hrtime.bigint() - t0) / 1000);
    await done;
    ack.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await a.close();
  await b.close();
  return { samples: rounds, ackP50Us: pct(ack, 50), ackP99Us: pct(ack, 99), visibleP50Us: pct(visible, 50), visibleP99Us: pct(visible, 99), readP50Us: pct(reads, 50) };
}

export async function killSwitchBench(rounds = 200): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "otheru-ks-bench-"));
  const redis = await startRedis();
  try {
    const embedded = await measure({ kind: "sqlite", path: join(dir, "state.sqlite"), timeoutMs: 2000, namespace: "bench" }, rounds);
    const shared = await measure({ kind: "redis", url: redis.url, timeoutMs: 2000, namespace: "bench" }, rounds);
    return {
      embedded,
      redis: shared,
      note: "ack = admin /stop handled (authorised, replay-claimed, written, read back); visible = another instance's kill-switch read first returns engaged, both from the moment the update reaches the handler; readP50Us = one decision's kill-switch read",
    };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await killSwitchBench(), null, 2)}\n`);
}
