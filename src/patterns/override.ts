// Policy-override attempts in user messages ("ignore your tool policy"): detected and recorded, never obeyed.

const BUILT_IN: readonly RegExp[] = [
  /\b(ignore|disregard|forget|bypass|override|circumvent|disable|turn off|switch off|skip|suspend|lift)\b[^.\n]{0,40}?\b(tool[ -]?polic(?:y|ies)|polic(?:y|ies)|guard ?rails?|safety|security (?:rules|checks?|policy)|coordinator|otheru|restrictions?|rules|sandbox|approvals?|safeguards?|kill ?switch)\b/iu,
  /\byou(?:'re| are)? (?:now |hereby )?(?:allowed|permitted|authori[sz]ed|cleared|free) to (?:run|use|call|execute|invoke)\b/iu,
  /\b(?:developer|god|admin|sudo|jailbreak|unrestricted|DAN) mode\b/iu,
  /\bno (?:longer )?(?:need|have) to (?:ask|get|wait) (?:for )?(?:approval|permission|confirmation)\b/iu,
  /\b(?:pretend|act as if|assume) (?:there (?:is|are) )?no (?:tool )?(?:polic(?:y|ies)|rules|restrictions|guard ?rails?)\b/iu,
  /\b(?:new|updated) (?:system|tool) polic(?:y|ies)\s*:/iu,
];

export type OverrideAttempt = { ruleId: "policy.override-attempt"; matched: string };

export function compileOverrideDetector(extraPhrases: readonly string[]): (text: string) => OverrideAttempt | undefined {
  const extras = extraPhrases.map((p) => p.normalize("NFKC").toLowerCase());
  return (text) => {
    const t = text.normalize("NFKC").replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g, "").slice(0, 20_000);
    for (const re of BUILT_IN) {
      const m = re.exec(t);
      if (m) return { ruleId: "policy.override-attempt", matched: m[0].slice(0, 120) };
    }
    const lower = t.toLowerCase();
    const hit = extras.find((p) => lower.includes(p));
    return hit ? { ruleId: "policy.override-attempt", matched: hit.slice(0, 120) } : undefined;
  };
}
