// Human views of the audit trail: filtered records, newest last, one line each (audit show / audit tail).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readRecords } from "./log.ts";
import { type AuditRecord, DAY_FILE } from "./record.ts";

export type ShowFilter = { session?: string | undefined; tool?: string | undefined; decision?: string | undefined; kind?: string | undefined; date?: string | undefined };

export async function readFiltered(dir: string, filter: ShowFilter): Promise<AuditRecord[]> {
  const files = readdirSync(dir).filter((f) => DAY_FILE.test(f) && (filter.date === undefined || f === `${filter.date}.jsonl`)).sort();
  const out: AuditRecord[] = [];
  for (const f of files) {
    const { lines } = await readRecords(join(dir, f));
    for (const line of lines) {
      let r: AuditRecord;
      try {
        r = JSON.parse(line) as AuditRecord;
      } catch {
        continue; // audit verify is the place that reports broken lines
      }
      if (filter.session !== undefined && r.sessionKey !== filter.session) continue;
      if (filter.tool !== undefined && r.tool !== filter.tool) continue;
      if (filter.decision !== undefined && r.decision !== filter.decision) continue;
      if (filter.kind !== undefined && r.kind !== filter.kind) continue;
      out.push(r);
    }
  }
  return out;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** One line per record: time, seq, kind, and what matters for that kind. */
export function formatRecord(r: AuditRecord): string {
  const head = `${r.time} #${r.seq} ${r.kind}`;
  switch (r.kind) {
    case "call.before":
      return `${head} ${String(r.tool)} ${String(r.decision)} [${(r.ruleIds as string[] | undefined)?.join(", ") ?? ""}] session=${String(r.sessionKey)} args=${cut(JSON.stringify(r.args), 120)}`;
    case "call.after":
      return `${head} ${String(r.tool)} ${String(r.outcome)}${typeof r.durationMs === "number" ? ` ${r.durationMs}ms` : ""} session=${String(r.sessionKey)}`;
    case "checkpoint":
      return `${head} count=${String(r.count)} lastHash=${String(r.lastHash).slice(0, 16)}…`;
    case "config.load":
      return `${head} policy=${String(r.policyHash).slice(0, 16)}…`;
    default: {
      const { v: _v, seq: _s, time: _t, instance: _i, prev: _p, hash: _h, kind: _k, ...rest } = r;
      return `${head} ${cut(JSON.stringify(rest), 160)}`;
    }
  }
}
