// Worker for shell.test.ts: decides adversarial commands by name through the real gate, one at a time, so the
// test can stop (terminate) one that runs past its per-input deadline instead of hanging the suite.
import { parentPort } from "node:worker_threads";
import { gateFor } from "../helpers.ts";
import { ADVERSARIAL, ALLOW_EXEC_CONFIG, exec, TOO_SLOW, type WorkerResult } from "./shell-cases.ts";
import { threadCpuMs } from "./support.ts";

const port = parentPort;
if (port === null) throw new Error("shell-worker.ts runs as a worker thread");
const gate = gateFor(ALLOW_EXEC_CONFIG);

port.on("message", (name: string) => {
  void (async (): Promise<WorkerResult> => {
    const build = ADVERSARIAL[name] ?? TOO_SLOW[name];
    if (build === undefined) return { name, error: `no case named ${name}` };
    const command = build();
    const started = threadCpuMs();
    try {
      const { decision } = await gate.decide(exec(command));
      const ms = threadCpuMs() - started;
      return { name, kind: decision.kind, ruleIds: [...decision.ruleIds], reason: decision.reason.slice(0, 300), reasonLength: decision.reason.length, evidenceLength: decision.evidence?.length ?? 0, ms };
    } catch (err) {
      return { name, error: `decide threw: ${(err as Error).message}` };
    }
  })().then((r) => port.postMessage(r));
});
port.postMessage("ready");
