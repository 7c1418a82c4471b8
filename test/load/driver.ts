// The load driver (issue #12, part 1): the real before_tool_call / after_tool_call hooks as register() wires them,
// driven in-process with many calls in flight from many sessions, agents and channels, then checked call by call
// against what each hook answered and what each instance's audit log holds.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CoordinatorApi, registerCoordinator } from "../../src/adapters/openclaw/register.ts";
import { verifyAuditDir } from "../../src/audit/verify.ts";
import { startScriptedSupervisor, type Verdict } from "./supervisor.ts";

/** What a call of the mix must end as: allowed outright, blocked by the policy, or escalated and then approved / denied by the supervisor model. */
export type Expected = "allow" | "block" | "approve" | "deny";

export type LoadOptions = {
  /** Measured calls (after the warm-up). */
  calls: number;
  /** Calls in flight at once: a pool of this many workers pulling from one queue. */
  concurrency: number;
  /** sqlite: each instance its own embedded store; redis: every instance on `redisUrl`. */
  store: "sqlite" | "redis";
  redisUrl?: string | undefined;
  /** Plugin instances (independent registrations: own state dir, audit dir and runtime); calls go round-robin. */
  instances?: number | undefined;
  /** Calls run before measuring (checked like the rest); default min(calls, 500). */
  warmup?: number | undefined;
  /** Merged over the plugin config (top-level keys), for experiments. */
  configOverrides?: Record<string, unknown> | undefined;
  /** Called right after the measured calls, before anything is read or released (diagnostics: heap profiles). */
  afterMeasured?: (() => Promise<void>) | undefined;
  /** Give up on calls still unanswered after this long (they count as lost). */
  deadlineMs?: number | undefined;
};

export type LoadReport = {
  calls: number;
  concurrency: number;
  /** Calls without a hook answer or without their call.before record. */
  lost: number;
  /** Calls answered or recorded more than once (hook answers, call.before, escalation outcomes). */
  duplicated: number;
  /** Every instance's audit dir verifies, and holds exactly one call.before per call, one call.after per call that ran, nothing for unknown calls. */
  auditVerified: boolean;
  p50Us: number;
  p99Us: number;
  callsPerSec: number;
  rssGrowthMb: number;
  detail: LoadDetail;
};

export type LoadDetail = {
  instances: number;
  store: "sqlite" | "redis";
  /** Every call issued, warm-up included. */
  issued: number;
  /** Answers by how each call ended (warm-up included). */
  outcomes: Record<Expected | "other", number>;
  /** Calls whose answer was not the one the mix expects (first few listed). */
  mismatched: number;
  mismatches: string[];
  /** Hook latency by expected outcome, measured calls only. */
  byKind: Record<Expected, { calls: number; p50Us: number; p99Us: number }>;
  /** Per instance: verify result and record counts. */
  audit: Array<{ ok: boolean; problem?: string | undefined; records: number; before: number; after: number; escalationOutcomes: number }>;
  /** Audit problems found call by call (first few listed). */
  auditProblems: string[];
  supervisor: Record<Verdict, number>;
  /** Host log lines at error level (first few listed). */
  errors: string[];
  wallMs: number;
  /** CPU time (user + system) of the whole process per measured call. */
  cpuUsPerCall: number;
  /** Longest gap between two RSS samples' timers firing: how long the event loop was held at worst. */
  maxLoopStallMs: number;
  /** Live heap after a full GC at the end minus after one at the baseline (retained memory, not GC slack); only with --expose-gc. */
  heapRetainedMb: number | null;
  /** The decision latency the audit records (latencyUs of call.before: the gate's own time, audit write excluded), measured calls. */
  recordedP50Us: number;
  recordedP99Us: number;
};

type Handler = (event: unknown, ctx: unknown) => unknown;
type Registered = { hooks: Map<string, Handler[]>; services: Array<{ id: string; start: (ctx: unknown) => unknown; stop?: (ctx: unknown) => unknown }>; warn: number; errors: string[] };

/** The host's registration surface, recording what register() wires (every handler of a hook, as OpenClaw runs them all). */
function fakeApi(pluginConfig: Record<string, unknown>): { api: CoordinatorApi; reg: Registered } {
  const reg: Registered = { hooks: new Map(), services: [], warn: 0, errors: [] };
  const api = {
    pluginConfig,
    config: {},
    registrationMode: "full",
    logger: {
      info: () => undefined,
      warn: () => void reg.warn++,
      error: (m: string) => void (reg.errors.length < 20 && reg.errors.push(m)),
      debug: () => undefined,
    },
    on: (name: string, handler: Handler) => reg.hooks.set(name, [...(reg.hooks.get(name) ?? []), handler]),
    registerService: (svc: Registered["services"][number]) => reg.services.push(svc),
  } as unknown as CoordinatorApi;
  return { api, reg };
}

export const CRITICAL_GROUP = "-1009000";
const AGENTS = ["main", "ops", "research", "support"];

/** The plugin config every instance runs: a critical conversation, a group rule, the coordinator route with the scripted model deciding alone. */
export function loadPluginConfig(supervisorBaseUrl: string, store: "sqlite" | "redis"): Record<string, unknown> {
  return {
    criticalChannels: [`telegram:group:${CRITICAL_GROUP}`],
    rules: [{ id: "load-no-browser-in-groups", match: { chatTypes: ["group"] }, deny: ["browser"] }],
    approvals: { route: "coordinator", timeoutMs: 30_000, supervisor: { model: "supervisor", approveSuffices: true } },
    models: { supervisor: { provider: "openai", baseUrl: supervisorBaseUrl, model: "load-supervisor", timeoutMs: 10_000 } },
    ...(store === "redis" ? { store: { kind: "redis", url: "${REDIS_URL}", namespace: "load" } } : {}),
  };
}

/** The scripted supervisor: staging deploys are approved, everything else it is shown is denied. */
function verdictFor(user: string): Verdict {
  return user.includes("--env staging") ? "approve" : "deny";
}

type Call = { id: string; event: Record<string, unknown>; ctx: Record<string, unknown>; expect: Expected };

type Shape = { weight: number; expect: Expected; make: (n: number, agent: string) => { tool: string; params: Record<string, unknown>; ctx: Record<string, unknown> } };

const dm = (n: number, agent: string) => ({ agentId: agent, sessionKey: `agent:${agent}:telegram:direct:${1000 + (n % 97)}`, requester: { channel: "telegram", senderId: String(1000 + (n % 97)) } });
const group = (n: number, agent: string) => ({ agentId: agent, sessionKey: `agent:${agent}:telegram:group:-100${200 + (n % 53)}`, requester: { channel: "telegram", senderId: String(5000 + (n % 211)) } });
const main = () => ({ agentId: "main", sessionKey: "agent:main:main", requester: { channel: "telegram", senderId: "42", senderIsOwner: true } });
const critical = (n: number, agent: string) => ({ agentId: agent, sessionKey: `agent:${agent}:telegram:group:${CRITICAL_GROUP}`, requester: { channel: "telegram", senderId: String(7000 + (n % 17)) } });

/** The fixed mix (weights out of 40): 62.5% allowed, 27.5% blocked, 10% escalated (three in four approved by the model). */
export const MIX: readonly Shape[] = [
  { weight: 5, expect: "allow", make: (n) => ({ tool: "exec", params: { command: `ls -la src/part-${n % 31}` }, ctx: main() }) },
  { weight: 3, expect: "allow", make: (n) => ({ tool: "read", params: { path: `docs/chapter-${n % 12}.md` }, ctx: main() }) },
  { weight: 5, expect: "allow", make: (n, a) => ({ tool: "exec", params: { command: `git log --oneline -n ${1 + (n % 20)}` }, ctx: dm(n, a) }) },
  { weight: 4, expect: "allow", make: (n, a) => ({ tool: "read", params: { path: `notes/todo-${n % 9}.txt` }, ctx: dm(n, a) }) },
  { weight: 4, expect: "allow", make: (n, a) => ({ tool: "read", params: { path: `docs/guide-${n % 7}.md` }, ctx: group(n, a) }) },
  { weight: 3, expect: "allow", make: (n, a) => ({ tool: "exec", params: { command: `grep -rn TODO src/module-${n % 5}` }, ctx: group(n, a) }) },
  { weight: 1, expect: "allow", make: (n, a) => ({ tool: "web_search", params: { query: `weather in city ${n % 40}` }, ctx: group(n, a) }) },
  { weight: 4, expect: "block", make: (n, a) => ({ tool: "browser", params: { action: "open", url: `https://example.com/page/${n % 100}` }, ctx: group(n, a) }) },
  { weight: 3, expect: "block", make: (n, a) => ({ tool: "exec", params: { command: "rm -rf /" }, ctx: n % 2 === 0 ? dm(n, a) : group(n, a) }) },
  { weight: 2, expect: "block", make: (n) => ({ tool: "exec", params: { command: `rm -rf ~/ --no-preserve-root # ${n % 3}` }, ctx: main() }) },
  { weight: 1, expect: "block", make: (n, a) => ({ tool: "read", params: { path: "~/.openclaw/openclaw.json" }, ctx: n % 2 === 0 ? dm(n, a) : group(n, a) }) },
  { weight: 1, expect: "block", make: (n, a) => ({ tool: "memory_search", params: { query: `what did they say ${n % 10}` }, ctx: group(n, a) }) },
  { weight: 3, expect: "approve", make: (n, a) => ({ tool: "exec", params: { command: `deploy --env staging --build ${n}` }, ctx: critical(n, a) }) },
  { weight: 1, expect: "deny", make: (n, a) => ({ tool: "exec", params: { command: `deploy --env prod --build ${n}` }, ctx: critical(n, a) }) },
];

const TOTAL_WEIGHT = MIX.reduce((s, m) => s + m.weight, 0);
const SLOTS: Shape[] = MIX.flatMap((m) => Array.from({ length: m.weight }, () => m));

/** Call n of a run: the shape cycles through the weighted mix (interleaved by a stride so neighbours differ), agents rotate. */
export function callAt(n: number, runTag: string): Call {
  const shape = SLOTS[(n * 7) % TOTAL_WEIGHT] as Shape;
  const agent = AGENTS[Math.floor(n / TOTAL_WEIGHT) % AGENTS.length] as string;
  const { tool, params, ctx } = shape.make(n, agent);
  const id = `call_${runTag}_${n}`;
  return { id, event: { toolName: tool, params, toolCallId: id, runId: `run_${runTag}_${n % 300}` }, ctx: { ...ctx, toolName: tool, toolCallId: id }, expect: shape.expect };
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** How a hook answer ended, in the mix's terms. */
function classify(result: unknown): Expected | "other" {
  if (result === undefined) return "allow";
  if (result !== null && typeof result === "object" && (result as { block?: unknown }).block === true) {
    const reason = String((result as { blockReason?: unknown }).blockReason);
    return reason.includes("escalation.denied") ? "deny" : "block";
  }
  return "other";
}

type Instance = { stateDir: string; auditDir: string; reg: Registered; before: Handler; after: Handler[] };

/** Builds `n` independent registrations: register() caches per (config, OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR), so each gets its own state dir. */
function buildInstances(n: number, root: string, config: Record<string, unknown>): Instance[] {
  const saved = { state: process.env.OPENCLAW_STATE_DIR, path: process.env.OPENCLAW_CONFIG_PATH };
  const out: Instance[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const stateDir = join(root, `openclaw-${i}`);
      mkdirSync(stateDir, { recursive: true });
      process.env.OPENCLAW_STATE_DIR = stateDir;
      process.env.OPENCLAW_CONFIG_PATH = join(stateDir, "openclaw.json");
      const { api, reg } = fakeApi(config);
      registerCoordinator(api);
      const before = reg.hooks.get("before_tool_call");
      if (before?.length !== 1) throw new Error(`instance ${i}: expected one before_tool_call handler, got ${before?.length ?? 0}`);
      out.push({ stateDir, auditDir: join(stateDir, "otheru-coordinator", "audit"), reg, before: before[0] as Handler, after: reg.hooks.get("after_tool_call") ?? [] });
    }
  } finally {
    if (saved.state === undefined) delete process.env.OPENCLAW_STATE_DIR;
    else process.env.OPENCLAW_STATE_DIR = saved.state;
    if (saved.path === undefined) delete process.env.OPENCLAW_CONFIG_PATH;
    else process.env.OPENCLAW_CONFIG_PATH = saved.path;
  }
  return out;
}

/**
 * What the end of a gateway process does, for registrations this driver made: the service's stop() keeps the state
 * store and the audit log open (the hooks may still run), so their connection and files are closed here, through
 * register()'s process-wide cache, and the entries dropped (the next run in this process starts fresh).
 */
async function releaseInstances(stateDirs: readonly string[]): Promise<void> {
  type Closable = { close(): Promise<void> } | undefined;
  const cache = (globalThis as Record<symbol, unknown>)[Symbol.for("otheru-coordinator.register-cache")] as Map<string, { gate?: { layout: { openclawStateDir: string }; store: Closable; audit: Closable } }> | undefined;
  for (const [key, built] of [...(cache ?? [])]) {
    const gate = built.gate;
    if (!gate || !stateDirs.includes(gate.layout.openclawStateDir)) continue;
    cache?.delete(key);
    await gate.store?.close().catch(() => undefined);
    await gate.audit?.close().catch(() => undefined);
  }
}

type Tally = { results: Uint8Array; got: Array<Expected | "other" | undefined>; latencyUs: Float64Array };

/** One phase: `count` calls from `first` on, `concurrency` workers, each call as OpenClaw runs it (before, then after when it runs). */
async function drive(instances: Instance[], calls: Call[], first: number, count: number, concurrency: number, tally: Tally, deadline: Promise<void>, onCall: () => void): Promise<void> {
  let next = first;
  const end = first + count;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const i = next++;
      const call = calls[i] as Call;
      const inst = instances[i % instances.length] as Instance;
      const t0 = process.hrtime.bigint();
      let result: unknown;
      try {
        result = await inst.before(call.event, call.ctx);
      } catch {
        continue; // A hook must never throw: the call has no answer, so it is lost.
      }
      tally.latencyUs[i] = Number(process.hrtime.bigint() - t0) / 1000;
      tally.results[i] = (tally.results[i] as number) + 1;
      const got = classify(result);
      tally.got[i] = got;
      if (got === "allow") {
        // The tool ran: OpenClaw reports its result to every after_tool_call handler.
        const after = { toolName: call.event.toolName, toolCallId: call.id, runId: call.event.runId, params: call.event.params, result: { content: [{ type: "text", text: `ok ${i}` }], details: { status: "ok" } }, durationMs: 3 };
        await Promise.all(inst.after.map((h) => h(after, call.ctx)));
      }
      onCall();
    }
  };
  await Promise.race([Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker)), deadline]);
}

type AuditCounts = { before: Map<string, { n: number; decision: unknown; latencyUs: unknown }>; after: Map<string, number>; outcomes: Map<string, { n: number; state: unknown }> };

function readAudit(dirs: string[]): { counts: AuditCounts; perDir: Array<{ records: number; before: number; after: number; escalationOutcomes: number }> } {
  const counts: AuditCounts = { before: new Map(), after: new Map(), outcomes: new Map() };
  const perDir = dirs.map((dir) => {
    const d = { records: 0, before: 0, after: 0, escalationOutcomes: 0 };
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f));
    } catch {
      return d;
    }
    for (const f of files.sort()) {
      for (const line of readFileSync(join(dir, f), "utf8").split("\n")) {
        if (line === "") continue;
        d.records++;
        const r = JSON.parse(line) as { kind?: unknown; action?: unknown; toolCallId?: unknown; decision?: unknown; state?: unknown; latencyUs?: unknown };
        const id = typeof r.toolCallId === "string" ? r.toolCallId : undefined;
        if (id === undefined) continue;
        if (r.kind === "call.before") {
          d.before++;
          const e = counts.before.get(id);
          counts.before.set(id, { n: (e?.n ?? 0) + 1, decision: r.decision, latencyUs: r.latencyUs });
        } else if (r.kind === "call.after") {
          d.after++;
          counts.after.set(id, (counts.after.get(id) ?? 0) + 1);
        } else if (r.kind === "escalation" && r.action === "outcome") {
          d.escalationOutcomes++;
          const e = counts.outcomes.get(id);
          counts.outcomes.set(id, { n: (e?.n ?? 0) + 1, state: r.state });
        }
      }
    }
    return d;
  });
  return { counts, perDir };
}

/** Call-by-call audit problems: a missing or repeated before-record, an after-record that does not match whether the call ran, an escalation without exactly one outcome. */
function auditProblems(calls: Call[], tally: Tally, counts: AuditCounts): string[] {
  const problems: string[] = [];
  const issued = new Set<string>();
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i] as Call;
    issued.add(c.id);
    const got = tally.got[i];
    const b = counts.before.get(c.id);
    if (b?.n !== 1) problems.push(`${c.id}: ${b?.n ?? 0} call.before records`);
    const escalated = c.expect === "approve" || c.expect === "deny";
    if (b && escalated && b.decision !== "escalate") problems.push(`${c.id}: call.before says ${String(b.decision)}, not escalate`);
    const ran = got === "allow" || got === "approve";
    const a = counts.after.get(c.id) ?? 0;
    if (a !== (ran ? 1 : 0)) problems.push(`${c.id}: ${a} call.after records for a call that ${ran ? "ran" : "did not run"}`);
    const o = counts.outcomes.get(c.id);
    if (escalated && o?.n !== 1) problems.push(`${c.id}: ${o?.n ?? 0} escalation outcomes`);
    if (escalated && o && o.state !== (c.expect === "approve" ? "approved" : "denied")) problems.push(`${c.id}: escalation outcome ${String(o.state)}`);
    if (!escalated && o) problems.push(`${c.id}: an escalation outcome for a call that was not escalated`);
  }
  for (const m of [counts.before, counts.after, counts.outcomes]) for (const id of m.keys()) if (id.startsWith("call_") && !issued.has(id)) problems.push(`${id}: records for a call never made`);
  return problems;
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const instancesN = o.instances ?? 1;
  const warmup = o.warmup ?? Math.min(o.calls, 500);
  const total = warmup + o.calls;
  const root = mkdtempSync(join(tmpdir(), "otheru-load-"));
  const supervisor = await startScriptedSupervisor(verdictFor);
  const savedRedisUrl = process.env.REDIS_URL;
  let instances: Instance[] = [];
  const started: Instance[] = [];
  try {
    if (o.store === "redis") {
      if (!o.redisUrl) throw new Error("runLoad: store redis needs redisUrl");
      process.env.REDIS_URL = o.redisUrl;
    }
    instances = buildInstances(instancesN, root, { ...loadPluginConfig(supervisor.baseUrl, o.store), ...o.configOverrides });
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
    for (const inst of instances) {
      // As in a gateway: the service runs (heartbeat, escalation sweep, kill-switch observer) beside the hooks.
      await inst.reg.services[0]?.start({});
      started.push(inst);
    }
    const runTag = Math.random().toString(36).slice(2, 8);
    const calls = Array.from({ length: total }, (_, n) => callAt(n, runTag));
    const tally: Tally = { results: new Uint8Array(total), got: new Array(total), latencyUs: new Float64Array(total) };
    let timedOut = false;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      deadlineTimer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, o.deadlineMs ?? 600_000);
    });

    await drive(instances, calls, 0, warmup, o.concurrency, tally, deadline, () => undefined);
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    // RSS: a baseline once warm, then the peak of samples taken by a timer and every 64 calls.
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    let lastTick = performance.now();
    let maxStall = 0;
    const sampler = setInterval(() => {
      const now = performance.now();
      maxStall = Math.max(maxStall, now - lastTick - 20);
      lastTick = now;
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 20);
    let done = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await drive(instances, calls, warmup, o.calls, o.concurrency, tally, deadline, () => {
      if ((++done & 63) === 0) peak = Math.max(peak, process.memoryUsage.rss());
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    clearTimeout(deadlineTimer);
    peak = Math.max(peak, process.memoryUsage.rss());
    await o.afterMeasured?.();
    globalThis.gc?.();
    const heapRetainedMb = globalThis.gc ? round1((process.memoryUsage().heapUsed - heap0) / 2 ** 20) : null;

    // Fire-and-forget audit events (escalation outcomes) may still be landing: read until complete, bounded.
    const dirs = instances.map((i) => i.auditDir);
    let audit = readAudit(dirs);
    let problems = auditProblems(calls, tally, audit.counts);
    for (let i = 0; i < 100 && problems.length > 0 && !timedOut; i++) {
      await new Promise((r) => setTimeout(r, 50));
      audit = readAudit(dirs);
      problems = auditProblems(calls, tally, audit.counts);
    }
    const verified = await Promise.all(
      dirs.map((d) => verifyAuditDir(d).catch((err: unknown) => ({ ok: false, break: { file: d, line: 0, problem: `cannot be verified: ${(err as Error).message}` } }))),
    );

    let lost = 0;
    let duplicated = 0;
    const outcomes: Record<Expected | "other", number> = { allow: 0, block: 0, approve: 0, deny: 0, other: 0 };
    const mismatches: string[] = [];
    let mismatched = 0;
    for (let i = 0; i < total; i++) {
      const c = calls[i] as Call;
      const n = tally.results[i] as number;
      const before = audit.counts.before.get(c.id)?.n ?? 0;
      if (n === 0 || before === 0) lost++;
      if (n > 1 || before > 1 || (audit.counts.outcomes.get(c.id)?.n ?? 0) > 1) duplicated++;
      const got = tally.got[i];
      if (got !== undefined) outcomes[got]++;
      // An approved escalation answers like an allow: compare in the hook's own terms.
      const want = c.expect === "approve" ? "allow" : c.expect;
      if (got !== undefined && got !== want) {
        mismatched++;
        if (mismatches.length < 10) mismatches.push(`${c.id} ${String(c.event.toolName)} ${JSON.stringify(c.event.params)} in ${String(c.ctx.sessionKey)}: expected ${c.expect}, got ${got}`);
      }
    }
    // Approved escalations answer undefined like allows; count them under approve.
    for (let i = 0; i < total; i++) if ((calls[i] as Call).expect === "approve" && tally.got[i] === "allow") (outcomes.allow--, outcomes.approve++);

    const measured = tally.latencyUs.subarray(warmup, total);
    const answered = Float64Array.from(measured.filter((_, k) => (tally.results[warmup + k] as number) > 0)).sort();
    const recorded = Float64Array.from(
      calls.slice(warmup).map((c) => audit.counts.before.get(c.id)?.latencyUs).filter((x): x is number => typeof x === "number"),
    ).sort();
    const byKind = {} as LoadDetail["byKind"];
    for (const kind of ["allow", "block", "approve", "deny"] as const) {
      const xs = Float64Array.from(measured.filter((_, k) => (calls[warmup + k] as Call).expect === kind && (tally.results[warmup + k] as number) > 0)).sort();
      byKind[kind] = { calls: xs.length, p50Us: Math.round(pct(xs, 50)), p99Us: Math.round(pct(xs, 99)) };
    }
    return {
      calls: o.calls,
      concurrency: o.concurrency,
      lost,
      duplicated,
      auditVerified: verified.every((v) => v.ok) && problems.length === 0,
      p50Us: Math.round(pct(answered, 50)),
      p99Us: Math.round(pct(answered, 99)),
      callsPerSec: Math.round(o.calls / (wallMs / 1000)),
      rssGrowthMb: round1((peak - baseline) / 2 ** 20),
      detail: {
        instances: instancesN,
        store: o.store,
        issued: total,
        outcomes,
        mismatched,
        mismatches,
        byKind,
        audit: verified.map((v, k) => ({ ok: v.ok, ...(v.break ? { problem: `${v.break.file}:${v.break.line} ${v.break.problem}` } : {}), ...(audit.perDir[k] as (typeof audit.perDir)[number]) })),
        auditProblems: problems.slice(0, 10),
        supervisor: { ...supervisor.answered },
        errors: instances.flatMap((i) => i.reg.errors).slice(0, 10),
        wallMs: Math.round(wallMs),
        cpuUsPerCall: Math.round((cpu.user + cpu.system) / o.calls),
        maxLoopStallMs: Math.round(maxStall),
        heapRetainedMb,
        recordedP50Us: Math.round(pct(recorded, 50)),
        recordedP99Us: Math.round(pct(recorded, 99)),
      },
    };
  } finally {
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
    for (const inst of started) await inst.reg.services[0]?.stop?.({});
    await releaseInstances(instances.map((i) => i.stateDir));
    await supervisor.close();
    rmSync(root, { recursive: true, force: true });
  }
}
