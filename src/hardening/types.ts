// The checklist result shape shared by every hardening check (the `check` contract in cli-contract.md).

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export type CheckResult = {
  id: string;
  status: CheckStatus;
  detail: string;
  fix: string;
  file?: string;
  line?: number;
};

/** One objection a check found: where (when known) and what. Several findings make one result. */
export type Finding = { message: string; severity: "fail" | "warn"; file?: string | undefined; line?: number | undefined };

export function where(f: Pick<Finding, "file" | "line">): string {
  if (f.file === undefined) return "";
  return f.line === undefined ? `${f.file}: ` : `${f.file}:${f.line}: `;
}

/** A result lists this many findings; the rest are counted (fix the first ones, run check again). */
export const MAX_LISTED = 10;

/** Fold findings into one result: fail beats warn beats pass; the first finding names file and line. */
export function resultOf(id: string, findings: readonly Finding[], passDetail: string, fix: string): CheckResult {
  if (findings.length === 0) return { id, status: "pass", detail: passDetail, fix: "" };
  const fails = findings.filter((f) => f.severity === "fail");
  const shown = fails.length > 0 ? fails : findings;
  const first = shown[0] as Finding;
  const listed = shown.slice(0, MAX_LISTED).map((f) => `${where(f)}${f.message}`);
  if (shown.length > MAX_LISTED) listed.push(`and ${shown.length - MAX_LISTED} more`);
  const detail = listed.join("; ");
  return {
    id,
    status: fails.length > 0 ? "fail" : "warn",
    detail,
    fix,
    ...(first.file !== undefined ? { file: first.file } : {}),
    ...(first.line !== undefined ? { line: first.line } : {}),
  };
}

export function skip(id: string, detail: string, fix = ""): CheckResult {
  return { id, status: "skip", detail, fix };
}
