// Word values read straight from the source text where that is exact, so unbash need not re-lex the word into parts.
import type { Word } from "unbash";

/**
 * word.value for a word written with plain characters, '…' and "…" only (no `$`, backtick, backslash or parenthesis anywhere):
 * its value is the text with the quotes removed. unbash builds the word's parts (a second lexer pass) to answer
 * word.value for any quoted word; every other word (expansions, escapes, extended globs such as @(…)) is left to unbash.
 */
export function wordValue(word: Word): string {
  const text = word.text;
  let value = "";
  let run = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x27) {
      // '…': everything up to the next ' is literal.
      const close = text.indexOf("'", i + 1);
      if (close < 0) return word.value;
      value += text.slice(run, i) + text.slice(i + 1, close);
      i = close + 1;
      run = i;
    } else if (c === 0x22) {
      // "…" without expansions or escapes: literal.
      let close = i + 1;
      for (; close < text.length; close++) {
        const d = text.charCodeAt(close);
        if (d === 0x22) break;
        if (d === 0x24 || d === 0x60 || d === 0x5c || d === 0x28 || d === 0x29) return word.value;
      }
      if (close >= text.length) return word.value;
      value += text.slice(run, i) + text.slice(i + 1, close);
      i = close + 1;
      run = i;
    } else if (c === 0x24 || c === 0x60 || c === 0x5c || c === 0x28 || c === 0x29) {
      return word.value; // $ ` \ ( )
    } else i++;
  }
  return run === 0 ? text : value + text.slice(run);
}

/** Character classes of a string, as bits: one scan answers what several includes() calls per word would. */
export const CH_DOLLAR = 1;
export const CH_BACKTICK = 2;
/** `<` or `>` (with `$` and backtick: the word may hold a nested command). */
export const CH_ANGLE = 4;
/** `'`, `"` or a backslash. */
export const CH_QUOTE = 8;
/** `(` or `)`. */
export const CH_PAREN = 16;
/** `{` or `}`. */
export const CH_BRACE = 32;
/** `*`, `?` or `[`. */
export const CH_GLOB = 64;
/** Outside printable ASCII (what hasNonAscii looks for). */
export const CH_NON_ASCII = 128;
/** Every class: what a caller passes when it has not scanned the words. */
export const CH_ALL = 255;
/** A word without these is its own value: no quotes to remove, nothing to expand (wordValue returns its text). */
export const CH_NOT_LITERAL = CH_DOLLAR | CH_BACKTICK | CH_QUOTE | CH_PAREN;

const CLASS_OF: Uint8Array = classTable();

function classTable(): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 0x20; c++) table[c] = CH_NON_ASCII;
  table[0x7f] = CH_NON_ASCII;
  const set = (chars: string, bit: number): void => {
    for (const ch of chars) table[ch.charCodeAt(0)] = bit;
  };
  set("$", CH_DOLLAR);
  set("`", CH_BACKTICK);
  set("<>", CH_ANGLE);
  set("'\"\\", CH_QUOTE);
  set("()", CH_PAREN);
  set("{}", CH_BRACE);
  set("*?[", CH_GLOB);
  return table;
}

export function charClasses(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bits |= c < 0x80 ? (CLASS_OF[c] as number) : CH_NON_ASCII;
  }
  return bits;
}
