// The emergency stop's state in the shared store: one key, read on every tool call, written by /stop and /resume.
import type { StateStore } from "./store.ts";

export const KILL_SWITCH_KEY = "killswitch";

/** Where a stop or resume came from. */
export type KillSwitchSource = "telegram" | "discord" | "cli" | "command";

export type KillSwitchState = {
  engaged: boolean;
  /** The operator's reason (stop only), at most 200 characters. */
  reason?: string | undefined;
  /** Who changed it: "telegram:42", "discord:<snowflake>", "cli:<user>", "command:<sender>". */
  by: string;
  via: KillSwitchSource;
  /** ISO time of the change. */
  at: string;
  /** The coordinator instance that wrote it. */
  instance: string;
};

const OFF_NEVER_SET: KillSwitchState = { engaged: false, by: "(never set)", via: "cli", at: "", instance: "" };

function isState(v: unknown): v is KillSwitchState {
  if (v === null || typeof v !== "object") return false;
  const s = v as Record<string, unknown>;
  return typeof s.engaged === "boolean" && typeof s.by === "string" && typeof s.at === "string";
}

/**
 * The current state. A key that was never written means "not engaged"; anything unreadable or malformed
 * throws, so callers block (the switch is never read as off by accident).
 */
export async function readKillSwitch(store: StateStore): Promise<KillSwitchState> {
  const v = await store.get<unknown>(KILL_SWITCH_KEY);
  if (v === undefined) return OFF_NEVER_SET;
  if (!isState(v)) throw new Error("the kill-switch record in the state store is malformed");
  return v;
}

export async function setKillSwitch(
  store: StateStore,
  change: { engaged: boolean; reason?: string | undefined; by: string; via: KillSwitchSource; instance: string },
  now: Date = new Date(),
): Promise<KillSwitchState> {
  const reason = change.reason?.replace(/[\u0000-\u001f\u007f]+/g, " ").trim().slice(0, 200);
  const state: KillSwitchState = {
    engaged: change.engaged,
    ...(change.engaged && reason ? { reason } : {}),
    by: change.by,
    via: change.via,
    at: now.toISOString(),
    instance: change.instance,
  };
  await store.set(KILL_SWITCH_KEY, state);
  // Read back: the stop is acknowledged only once the store returns it.
  const back = await readKillSwitch(store);
  if (back.engaged !== state.engaged) throw new Error("the state store did not keep the kill-switch change");
  return back;
}
