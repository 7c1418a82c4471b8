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
