// Shared knobs of the fuzz tests: run counts sized for 2 busy cores (FUZZ_SCALE multiplies them), fixed seeds
// (FUZZ_SEED overrides; fast-check prints the seed and path of any failure), and the per-input deadline.
import assert from "node:assert/strict";
import type { Parameters } from "fast-check";

/** FUZZ_SCALE=20 runs twenty times as many cases (manual runs); default 1. */
const SCALE = Math.max(1, Number(process.env["FUZZ_SCALE"] ?? "1") || 1);
/** FUZZ_SEED=1234 replays a run; FUZZ_SEED=random draws a new seed each run. */
const SEED = process.env["FUZZ_SEED"];

/**
 * CPU time one input may take to be decided: its thread's user + system time, so a loaded machine does not fail
 * it. Generous: the costliest adversarial inputs (1 MB, 10,000-deep nesting) take about 0.6 s; a hang takes minutes.
 */
export const DEADLINE_MS = Number(process.env["FUZZ_DEADLINE_MS"] ?? "3000") || 3_000;

/** fast-check parameters: `runs` cases (× FUZZ_SCALE) from a fixed seed per property. */
export function params<T>(runs: number, seed: number): Parameters<T> {
  return { numRuns: Math.round(runs * SCALE), seed: SEED === "random" ? Date.now() : SEED !== undefined ? Number(SEED) : seed };
}

export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `work` and fails when that one input took more CPU than the deadline (bounded work per input, not per suite). */
export async function withinDeadline<T>(label: string, work: () => Promise<T> | T): Promise<T> {
  const started = threadCpuMs();
  const out = await work();
  const ms = threadCpuMs() - started;
  assert.ok(ms <= DEADLINE_MS, `${label}: one input took ${ms.toFixed(0)} ms of CPU, over the ${DEADLINE_MS} ms per-input deadline`);
  return out;
}

/** withinDeadline for synchronous work. */
export function withinDeadlineSync<T>(label: string, work: () => T): T {
  const started = threadCpuMs();
  const out = work();
  const ms = threadCpuMs() - started;
  assert.ok(ms <= DEADLINE_MS, `${label}: one input took ${ms.toFixed(0)} ms of CPU, over the ${DEADLINE_MS} ms per-input deadline`);
  return out;
}
