// Config problems as data: every problem is "<dot.path>: <problem>; <fix>".
import type { z } from "zod";

export type ConfigProblem = { path: string; problem: string; fix: string };

export function formatProblem(p: ConfigProblem): string {
  return `${p.path || "(root)"}: ${p.problem}; ${p.fix}`;
}

export function dotPath(path: readonly PropertyKey[]): string {
  return path.map((k) => (typeof k === "number" ? String(k) : String(k))).join(".");
}

/** Turn zod issues into problems with a concrete fix each. */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], prefix = ""): ConfigProblem[] {
  return issues.map((issue) => {
    const path = [prefix, dotPath(issue.path)].filter(Boolean).join(".");
    switch (issue.code) {
      case "unrecognized_keys":
        return {
          path,
          problem: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`,
          fix: "remove it or fix its spelling (see the config reference in README.md)",
        };
      case "invalid_type":
        return { path, problem: issue.message.replace(/^Invalid input: /, ""), fix: `give a value of type ${issue.expected}` };
      case "invalid_value":
        return {
          path,
          problem: issue.message.replace(/^Invalid option: /, ""),
          fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        };
      case "too_small":
      case "too_big":
        return { path, problem: issue.message.replace(/^Too (small|big): /, ""), fix: "change the value to fit the limit" };
      case "invalid_format":
        return { path, problem: issue.message, fix: "correct the value's format" };
      default:
        return { path, problem: issue.message, fix: "correct the value (see the config reference in README.md)" };
    }
  });
}
