// Unicode hygiene for command text: NFKC, invisible and bidi controls stripped and reported.

/** Zero-width, bidi-control, BOM and other default-ignorable format characters. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

export type UnicodeReport = { text: string; invisible: string[]; changedByNfkc: boolean };

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

export function cleanUnicode(input: string): UnicodeReport {
  const invisible = [...new Set((input.match(INVISIBLE) ?? []).map(codePoint))];
  const stripped = invisible.length > 0 ? input.replace(INVISIBLE, "") : input;
  const text = stripped.normalize("NFKC");
  return { text, invisible, changedByNfkc: text !== stripped };
}

/** True when a command word contains anything outside printable ASCII (look-alikes such as Cyrillic "р"). */
export function hasNonAscii(word: string): boolean {
  return /[^\x20-\x7E]/.test(word);
}
