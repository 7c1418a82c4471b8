// Unicode hygiene for command text: NFKC, invisible and bidi controls stripped and reported.

/** Zero-width, bidi-control, BOM and other default-ignorable format characters. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** `invisible`: every stripped code point; `suspicious`: those not explained by emoji (ZWJ sequences, variation selectors). */
export type UnicodeReport = { text: string; invisible: string[]; suspicious: string[]; changedByNfkc: boolean };

const EMOJI_GLUE = new Set(["U+200D", "U+FE0F", "U+FE0E"]);

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

export function cleanUnicode(input: string): UnicodeReport {
  const invisible = [...new Set((input.match(INVISIBLE) ?? []).map(codePoint))];
  const stripped = invisible.length > 0 ? input.replace(INVISIBLE, "") : input;
  const text = stripped.normalize("NFKC");
  const emoji = /\p{Extended_Pictographic}/u.test(input);
  const suspicious = emoji ? invisible.filter((c) => !EMOJI_GLUE.has(c)) : invisible;
  return { text, invisible, suspicious, changedByNfkc: text !== stripped };
}

/** True when a command word contains anything outside printable ASCII (look-alikes such as Cyrillic "р"). */
export function hasNonAscii(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return true;
  }
  return false;
}
