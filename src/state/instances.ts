// Which coordinator instances share this store: each gateway announces itself with a short-lived key.
import type { StateStore } from "./store.ts";

const INDEX = "instances";
const MAX = 64;

/** Announce (or refresh) an instance; it drops out ttlMs after its last heartbeat. */
export async function heartbeatInstance(store: StateStore, id: string, ttlMs: number): Promise<void> {
  await store.set(`instance:${id}`, { id, at: new Date().toISOString() }, ttlMs);
  const index = (await store.get<string[]>(INDEX)) ?? [];
  if (!index.includes(id)) await store.set(INDEX, [...index.slice(-(MAX - 1)), id]);
}

/** Live instances (heartbeat not expired); the index is read-modify-write, so a lost entry returns on the next beat. */
export async function listInstances(store: StateStore): Promise<string[]> {
  const index = (await store.get<string[]>(INDEX)) ?? [];
  const live: string[] = [];
  for (const id of Array.isArray(index) ? index.slice(0, MAX) : []) {
    if (typeof id === "string" && (await store.get(`instance:${id}`)) !== undefined) live.push(id);
  }
  return live;
}
