// Daily decision notes: one human-readable line per decided tool call, under "## Coordinator decisions" in the
// agent workspace's memory/YYYY-MM-DD.md (OpenClaw's daily-notes convention). Private memory: no secrets, and
// arguments only quoted and truncated, never as raw text an attacker could use to inject instructions.
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
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

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than formatting with it. */
const clocks = new Map<string, Intl.DateTimeFormat>();
function clockFor(timeZone: string): Intl.DateTimeFormat {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hour12: false });
    if (clocks.size < 64) clocks.set(timeZone, clock);
  }
  return clock;
}

export function noteLine(f: NoteFacts, timeZone: string, redact: (s: string) => string): string {
  const hhmm = clockFor(timeZone).format(f.time);
  const where = [f.chatType ? `${f.chatType} chat` : undefined, f.sessionKey ? `session ${f.sessionKey}` : undefined, f.senderId ? `sender ${f.senderId}` : undefined].filter(Boolean).join(", ");
  const rules = f.ruleIds.length > 0 ? ` [${f.ruleIds.join(", ")}]` : "";
  return `- ${hhmm} ${timeZone}: ${f.tool} ${quoteArgs(f.params, redact)} — ${f.decision}${rules}, ${f.outcome}${where ? ` (${where})` : ""}\n`;
}

/**
 * Files this process last appended to, as it left them (inode, size, modification time): while a file is unchanged since, it still has
 * the heading, so it is not read again (re-reading the whole day's file per call made a day's notes quadratic).
 * Anyone else's change (an edit, a rotation, a deletion) alters one of them, and the file is read again.
 */
const written = new Map<string, { ino: number; size: number; mtimeMs: number }>();
const MAX_KNOWN_FILES = 256;

/** Append one line to memory/<day>.md in `workspace`, adding the heading once per file. */
export function appendDecisionNote(workspace: string, dir: string, day: string, line: string): void {
  const folder = join(workspace, dir);
  const file = join(folder, `${day}.md`);
  let st = statSync(file, { throwIfNoEntry: false });
  if (!st) {
    mkdirSync(folder, { recursive: true });
    st = statSync(file, { throwIfNoEntry: false });
  }
  const known = written.get(file);
  const hasHeading = st !== undefined && ((known !== undefined && known.ino === st.ino && known.size === st.size && known.mtimeMs === st.mtimeMs) || readFileSync(file, "utf8").includes(NOTES_HEADING));
  const text = `${hasHeading ? "" : `${st ? "\n" : ""}${NOTES_HEADING}\n\n`}${line}`;
  appendFileSync(file, text, { mode: 0o600 });
  const after = statSync(file, { throwIfNoEntry: false });
  written.delete(file);
  if (after) {
    if (written.size >= MAX_KNOWN_FILES) written.delete(written.keys().next().value as string);
    written.set(file, { ino: after.ino, size: after.size, mtimeMs: after.mtimeMs });
  }
}
