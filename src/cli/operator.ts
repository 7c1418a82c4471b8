// stop / resume / status / health from the command line: the same store and report as the admin channel.
import { accessSync, constants, existsSync } from "node:fs";
import { userInfo } from "node:os";
import { changeKillSwitch, describeKillSwitch } from "../admin/core.ts";
import { collectHealth, formatHealth } from "../admin/health.ts";
import { storeSettings } from "../gate/host.ts";
import { listInstances } from "../state/instances.ts";
import { readKillSwitch } from "../state/killswitch.ts";
import { lazyStateStore, type StateStore } from "../state/store.ts";
import { EXIT_FAILED, EXIT_OK, type Loaded } from "./io.ts";

const cliLog = {
  info: () => {},
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

export function openCliStore({ loaded, layout }: Loaded): StateStore {
  return lazyStateStore(storeSettings(loaded.config, layout));
}

/**
 * The store evaluate reads the kill switch from. An embedded store that does not exist yet was never
 * written, so the switch is off and nothing is created as a side effect of evaluating.
 */
export function storeForEvaluate(l: Loaded): StateStore | undefined {
  const s = storeSettings(l.loaded.config, l.layout);
  if (s.kind === "sqlite" && !existsSync(s.path)) return undefined;
  return lazyStateStore(s);
}

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "unknown");
  }
}

export async function runStopResume(l: Loaded, engaged: boolean, reason: string | undefined, out: NodeJS.WritableStream): Promise<number> {
  const store = openCliStore(l);
  try {
    const r = await changeKillSwitch(
      // Gateways sharing the store record the change they observe in their own audit trail (the CLI never writes to a live log).
      { store, instanceId: `cli:${process.pid}`, record: async () => undefined, log: cliLog },
      { engaged, reason, by: `cli:${operatorName()}`, via: "cli" },
    );
    out.write(`${r.text.replace(/Send \/resume/, "Run otheru-coordinator resume")}\nstore: ${store.kind} ${store.location}\n`);
    return EXIT_OK;
  } catch (err) {
    process.stderr.write(`otheru-coordinator: the ${engaged ? "stop" : "resume"} was NOT applied: ${(err as Error).message}\n${engaged ? "While the store is unreachable the gateways block every tool call anyway; to be sure, run: docker stop otheru-coordinator\n" : ""}`);
    return EXIT_FAILED;
  } finally {
    await store.close();
  }
}

/** The emergency-stop part of `status`; exit 1 when the store cannot be read. */
export async function killSwitchStatus(l: Loaded): Promise<{ ok: boolean; line: string; json: Record<string, unknown> }> {
  const store = openCliStore(l);
  try {
    const ks = await readKillSwitch(store);
    let instances: string[] = [];
    try {
      instances = await listInstances(store);
    } catch {
      // The switch was readable; the instance list is informational.
    }
    return { ok: true, line: describeKillSwitch(ks), json: { emergencyStop: ks, store: { kind: store.kind, location: store.location }, instances } };
  } catch (err) {
    return { ok: false, line: `UNKNOWN: the state store cannot be read (${(err as Error).message}); tool calls are blocked`, json: { emergencyStop: null, store: { kind: store.kind, location: store.location, error: (err as Error).message } } };
  } finally {
    await store.close();
  }
}

export async function runHealth(l: Loaded, json: boolean, out: NodeJS.WritableStream): Promise<number> {
  const store = openCliStore(l);
  try {
    const c = l.loaded.config;
    const auditDir = l.layout.auditDir;
    const report = await collectHealth({
      instanceId: `cli:${process.pid}`,
      policyHash: l.loaded.policyHash,
      store,
      audit: c.audit.enabled
        ? () => {
            try {
              if (existsSync(auditDir)) accessSync(auditDir, constants.W_OK);
              else accessSync(l.layout.stateDir, constants.W_OK);
              return { ok: true, dir: auditDir, records: 0, lastHash: "" };
            } catch (err) {
              return { ok: false, error: `not writable (${(err as NodeJS.ErrnoException).code ?? String(err)})`, dir: auditDir, records: 0, lastHash: "" };
            }
          }
        : undefined,
      botsElsewhere: [...(c.admin.telegram ? ["telegram"] : []), ...(c.admin.discord ? ["discord"] : [])],
      instances: () => listInstances(store),
      credentials: c.credentials,
    });
    out.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatHealth(report)}\n`);
    return report.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await store.close();
  }
}
