// Credential rotation: which configured credentials are overdue (or undated) at a given time. Pure; the caller owns the clock.

/** What rotation needs of a credential (never its value). */
export type CredentialAge = { readonly name: string; readonly rotatedAt?: string | undefined; readonly maxAgeDays?: number | undefined };

const DAY_MS = 86_400_000;

/** One warning (with its fix) per credential that declares maxAgeDays and is undated or older than that. */
export function rotationWarnings(credentials: readonly CredentialAge[], now: Date): string[] {
  const out: string[] = [];
  credentials.forEach((c, i) => {
    if (c.maxAgeDays === undefined) return;
    if (c.rotatedAt === undefined) {
      out.push(`credential ${c.name}: maxAgeDays is ${c.maxAgeDays} but rotatedAt is not set, so its age is unknown; rotate it and set credentials.${i}.rotatedAt to that day (YYYY-MM-DD)`);
      return;
    }
    const rotated = Date.parse(`${c.rotatedAt}T00:00:00Z`);
    if (Number.isNaN(rotated)) return; // refused at load
    const age = Math.floor((now.getTime() - rotated) / DAY_MS);
    if (age > c.maxAgeDays) {
      out.push(`credential ${c.name} is overdue for rotation: last rotated ${c.rotatedAt}, ${age} days ago (maxAgeDays ${c.maxAgeDays}); rotate it, put the new value in the envFile and set credentials.${i}.rotatedAt to that day`);
    }
  });
  return out;
}
