// Built-in argument findings (from src/patterns) and operator SUSPICIOUS_PATTERNS.
import { credentialKind, persistenceKind } from "../../patterns/credentials.ts";
import type { PathRef } from "../../patterns/types.ts";
import type { CompiledPattern, CompiledPolicy, PathClassName } from "../compile.ts";
import { classifyPath, effectiveTarget, isProtected } from "../paths.ts";
import type { Facts, Hit, ToolCall } from "../types.ts";

/** The operator-facing classes of one path (a path can be in several). */
export function pathClassesOf(p: PathRef, facts: Facts): Set<PathClassName> {
  const { host, analysis } = facts;
  const target = effectiveTarget(p);
  const where = p.real ?? p.lexical;
  const out = new Set<PathClassName>();
  const cls = classifyPath(target, host, analysis.workdir);
  if (cls === "root") out.add("root");
  if (cls === "system") out.add("system");
  if (cls === "device") out.add("device");
  if (cls === "temp") out.add("temp");
  if (cls.startsWith("home")) out.add("home");
  if (cls === "home-sensitive") out.add("home-sensitive");
  if (cls.startsWith("workspace")) out.add("workspace");
  if (cls.startsWith("project")) out.add("project");
  if (!cls.startsWith("workspace") && !cls.startsWith("project") && cls !== "temp" && cls !== "harmless-device") out.add("outside-workspace");
  if (credentialKind(where, host.home) ?? credentialKind(p.lexical, host.home)) out.add("credential");
  if (persistenceKind(where, host.home) ?? persistenceKind(p.lexical, host.home)) out.add("persistence");
  if (isProtected(p, host)) out.add("protected");
  return out;
}

function matches(p: CompiledPattern, facts: Facts): { ok: boolean; evidence?: string } {
  const a = facts.analysis;
  if (p.re && !a.strings.some((s) => (p.re as RegExp).test(s))) return { ok: false };
  let evidence: string | undefined;
  if (p.commands) {
    const cmd = (a.shell?.commands ?? []).find((c) => (p.commands as ReadonlySet<string>).has(c.name) && (!p.args || p.args.test(c.args.join(" "))));
    if (!cmd) return { ok: false };
    evidence = cmd.text;
  }
  if (p.pathClasses) {
    const hit = a.paths.find((ref) => {
      if (p.access && !p.access.has(ref.access === "unknown" || ref.access === "exec" ? "read" : ref.access)) return false;
      const classes = pathClassesOf(ref, facts);
      return [...(p.pathClasses as ReadonlySet<PathClassName>)].some((c) => classes.has(c));
    });
    if (!hit) return { ok: false };
    evidence ??= hit.raw;
  }
  return evidence === undefined ? { ok: true } : { ok: true, evidence };
}

export function checkPatterns(policy: CompiledPolicy, call: ToolCall, facts: Facts): Hit[] {
  const hits: Hit[] = facts.analysis.findings.map((f) => (f.evidence ? { ruleId: f.ruleId, verdict: f.action, reason: f.reason, evidence: f.evidence } : { ruleId: f.ruleId, verdict: f.action, reason: f.reason }));
  for (const p of policy.patterns) {
    if (!p.tools(call.tool)) continue;
    const m = matches(p, facts);
    if (m.ok) hits.push(m.evidence ? { ruleId: p.id, verdict: p.action, reason: p.reason, evidence: m.evidence } : { ruleId: p.id, verdict: p.action, reason: p.reason });
  }
  return hits;
}
