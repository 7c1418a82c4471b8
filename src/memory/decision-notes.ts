// Daily decision notes: one human-readable line per decided tool call, under "## Coordinator decisions" in the
// agent workspace's memory/YYYY-MM-DD.md (OpenClaw's daily-notes convention). Private memory: no secrets, and
// arguments only quoted and truncated, never as raw text an attacker could use to inject instructions.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const NOTES_HEADING = "## Coordinator decisions";
const MAX_ARGS = 80;

export type NoteFacts = {
  time: Date;
  tool: string;
  params: unknown;
  decision: string;
  ruleIds: readonly string[];
  outcome: string;
  sessionKey?: string | undefined;
  chatType?: string | undefined;
  senderId?: string | undefined;
};

/** Arguments as a short inert quote: redacted, single line, no backticks or markup that could read as an instruction. */
export function quoteArgs(params: unknown, redact: (s: string) => string): string {
  let text: string;
  try {
    text = JSON.stringify(params) ?? "";
  } catch {
    text = "[unserialisable]";
  }
  text = redact(text).replace(/[\r\n\t]+/g, " ").replace(/[`<>[\]]/g, "'");
  return text.length > MAX_ARGS ? `${text.slice(0, MAX_ARGS)}…` : text;
}

export function noteLine(f: NoteFacts, timeZone: string, redact: (s: string) => string): string {
  const hhmm = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hour12: false }).format(f.time);
  const where = [f.chatType ? `${f.chatType} chat` : undefined, f.sessionKey ? `session ${f.sessionKey}` : undefined, f.senderId ? `sender ${f.senderId}` : undefined].filter(Boolean).join(", ");
  const rules = f.ruleIds.length > 0 ? ` [${f.ruleIds.join(", ")}]` : "";
  return `- ${hhmm} ${timeZone}: ${f.tool} ${quoteArgs(f.params, redact)} — ${f.decision}${rules}, ${f.outcome}${where ? ` (${where})` : ""}\n`;
}

/** Append one line to memory/<day>.md in `workspace`, adding the heading once per file. */
export function appendDecisionNote(workspace: string, dir: string, day: string, line: string): void {
  const folder = join(workspace, dir);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${day}.md`);
  const hasHeading = existsSync(file) && readFileSync(file, "utf8").includes(NOTES_HEADING);
  appendFileSync(file, `${hasHeading ? "" : `${existsSync(file) ? "\n" : ""}${NOTES_HEADING}\n\n`}${line}`, { mode: 0o600 });
}
