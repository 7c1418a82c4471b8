// Free-text secret scrubber for operational logs: configured secret values and credential shapes -> [redacted:<kind>].
import { SECRET_SHAPES } from "../patterns/secrets.ts";

/** Configured values shorter than this are not treated as secrets (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 8;

export type Scrubber = (text: string) => string;

type Compiled = { marker: string; re: RegExp };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Kind names as the audit writes them ("GitHub token" -> "github-token"), so log and audit markers agree. */
export function kindOf(shapeName: string): string {
  return shapeName.replace(/\s+/g, "-").toLowerCase();
}

/**
 * Compile once: one alternation of the configured values (longest first, so a value containing another is
 * replaced whole), then one global regex per credential shape. The returned function only runs them.
 */
export function createScrubber(secretValues: readonly string[]): Scrubber {
  const values = [...new Set(secretValues.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const passes: Compiled[] = [];
  if (values.length > 0) passes.push({ marker: "[redacted:configured-secret]", re: new RegExp(values.map(escapeRegExp).join("|"), "g") });
  for (const shape of SECRET_SHAPES) {
    const flags = shape.re.flags.includes("g") ? shape.re.flags : `${shape.re.flags}g`;
    passes.push({ marker: `[redacted:${kindOf(shape.name)}]`, re: new RegExp(shape.re.source, flags) });
  }
  return (text) => {
    let out = text;
    for (const p of passes) out = out.replace(p.re, p.marker);
    return out;
  };
}
