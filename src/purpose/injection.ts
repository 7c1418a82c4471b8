// Instruction-like text in untrusted content (tool results, quoted or forwarded text): the marks of an injection. Pure.

const MARKERS: readonly RegExp[] = [
  /\b(?:ignore|disregard|forget|override)\b[^.\n]{0,30}\b(?:previous|prior|above|earlier|all|any|your|the)\b[^.\n]{0,20}\b(?:instructions?|prompts?|messages?|rules|tasks?|directions)\b/iu,
  /\b(?:as|you are) (?:an? |the )?(?:ai|assistant|agent|language model|llm|chatbot)\b[^.\n]{0,60}\b(?:must|should|have to|need to|are required to)\b/iu,
  /\b(?:this is )?an? (?:important|urgent) (?:message|instruction|notice|update) (?:from|for) (?:me|the user|your|you)\b/iu,
  /\bto you,? (?:the )?(?:ai|assistant|agent|model)\b/iu,
  /\bbefore (?:you )?(?:can )?(?:solve|do|complete|continue|finish|proceed with|answer)\b[^.\n]{0,40}\b(?:task|request|instructions?)\b[^.\n]{0,40}\b(?:please |you must )?do\b/iu,
  /\b(?:do not|don't|never) (?:tell|inform|notify|mention (?:this |it )?to|alert) (?:the )?(?:user|owner|human)\b/iu,
  /\b(?:new|updated|real|actual|secret|hidden) (?:instructions?|task|system prompt)\s*[:!-]/iu,
  /<\/?\s*(?:information|instructions?|system|assistant|user|im_start|im_end|important|admin|prompt|tool_call|function_call)\b[^>]{0,40}>/iu,
  /(?:^|\n)\s*(?:system|assistant|###\s*(?:system|instruction))\s*:/iu,
  /\[\s*(?:system|inst|assistant)\s*\]/iu,
  /<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>/iu,
  /<!--[\s\S]{0,400}?\b(?:assistant|ai|agent|instruction|send|transfer|forward|ignore)\b[\s\S]{0,400}?-->/iu,
  /\bstyle\s*=\s*["'][^"']*(?:display\s*:\s*none|font-size\s*:\s*0|visibility\s*:\s*hidden|color\s*:\s*(?:white|#fff\b|#ffffff))/iu,
  /!?\[\s*\]\([^)]{1,300}\)/u,
  /\b(?:after that|then),? (?:you (?:can|may) )?(?:continue|go back|return) (?:with|to) (?:the |your )?(?:original |previous )?task\b/iu,
];
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\u{E0000}-\u{E007F}]/u;
const MAX_SCAN = 50_000;

/** The first injection mark in the text (a short excerpt), or undefined. */
export function instructionMark(text: string, options: { invisible?: boolean } = {}): string | undefined {
  const t = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  if (options.invisible !== false && INVISIBLE.test(t)) return "invisible (zero-width or tag) characters";
  const n = t.normalize("NFKC");
  for (const re of MARKERS) {
    const m = re.exec(n);
    if (m) return m[0].replace(/\s+/gu, " ").slice(0, 80);
  }
  return undefined;
}
