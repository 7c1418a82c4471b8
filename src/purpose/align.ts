// check_action_purpose(): does a high-stakes call serve the user's own stated goal? Pure: no I/O, no clock.
import { type Entity, extractCallEntities, indexText, mentions, namedOfKind, type TextIndex } from "./entities.ts";
import { type ActionClass, analyseGoal, classifyCall, goalAmounts, goalDates, goalTargetNames, isCovered, LINK_CALL_TO_ACTION, missingObject, sensitiveData, sensitiveScopes, shellSideEffect } from "./goal.ts";
import { instructionMark } from "./injection.ts";

/** Stable reason codes: they land in decisions, audit records, tests and the README. */
export const PURPOSE_REASONS = {
  /** The goal only reads, finds, summarises or checks; the call acts (sends, pays, deletes…). */
  intent: "purpose.intent",
  /** The call does something the goal does not ask for (another kind of action, a credential or forwarding change, secret data sent). */
  scope: "purpose.scope",
  /** A recipient, account, address, link or path the goal, trusted messages and allowlists do not name. */
  ungrounded: "purpose.ungrounded",
  /** An entity that appears only in untrusted content carrying instruction-like text. */
  injectedEntity: "purpose.injected-entity",
  /** The call's own arguments carry instruction-like text. */
  injectedText: "purpose.injected-text",
  /** An entity that may come from the source the goal points at, which the check cannot see (no tool result). */
  unverified: "purpose.unverified",
  /** No trusted goal is known for the session. */
  noGoal: "purpose.no-goal",
  /** The model judge's verdict (only when the local analysis was not confident). */
  judge: "purpose.judge",
} as const;

export type PurposeReasonCode = (typeof PURPOSE_REASONS)[keyof typeof PURPOSE_REASONS];
export type PurposeReason = { code: PurposeReasonCode; detail: string };
export type PurposeVerdict = "aligned" | "misaligned" | "unknown";
export type Confidence = "high" | "medium" | "low";
export type PurposeResult = { verdict: PurposeVerdict; reasons: readonly PurposeReason[]; confidence: Confidence; action: ActionClass };

/** A text indexed for grounding and scanned for injection marks once (at capture), not on every check. */
export type PreparedText = { ix: TextIndex; mark: string | undefined };

export function prepareText(text: string): PreparedText {
  return { ix: indexText(text), mark: instructionMark(text) };
}

/** Untrusted text seen in the session: a tool result, quoted or forwarded text, another participant's message. */
export type UntrustedText = { source: string; text: string; prepared?: PreparedText | undefined };
/** An earlier call of the same run, with its result when known. */
export type PriorCall = { tool: string; params: Record<string, unknown>; result?: string | undefined; prepared?: PreparedText | undefined };

/** Operator-declared contacts, domains, accounts and users: grounded wherever they appear. */
export type PurposeAllowlists = { emails: readonly string[]; domains: readonly string[]; accounts: readonly string[]; users: readonly string[]; phones: readonly string[] };

export type PurposeContext = {
  /** The user's own stated goal (the trusted message that started the run). */
  goal: string | undefined;
  /** Other recent messages of trusted senders. */
  trusted?: readonly string[] | undefined;
  /** The goal and `trusted`, already indexed (same order: goal first); computed here when absent. */
  trustedIndex?: readonly TextIndex[] | undefined;
  untrusted?: readonly UntrustedText[] | undefined;
  priorCalls?: readonly PriorCall[] | undefined;
};

export type CompiledAllowlists = { emails: ReadonlySet<string>; domains: readonly string[]; accounts: ReadonlySet<string>; users: ReadonlySet<string>; phones: readonly string[] };

export function compileAllowlists(a: PurposeAllowlists): CompiledAllowlists {
  return {
    emails: new Set(a.emails.map((e) => e.toLowerCase())),
    domains: a.domains.map((d) => d.toLowerCase().replace(/^\*\./u, "").replace(/^www\./u, "")),
    accounts: new Set(a.accounts.map((x) => x.replace(/\s/gu, "").toUpperCase())),
    users: new Set(a.users.map((u) => u.toLowerCase())),
    phones: a.phones.map((p) => p.replace(/[^\d]/gu, "")).filter((p) => p.length >= 7),
  };
}

export const EMPTY_ALLOWLISTS: CompiledAllowlists = compileAllowlists({ emails: [], domains: [], accounts: [], users: [], phones: [] });

function domainAllowed(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

function allowlisted(e: Entity, a: CompiledAllowlists): boolean {
  switch (e.kind) {
    case "email":
      return a.emails.has(e.value) || domainAllowed(e.value.slice(e.value.indexOf("@") + 1), a.domains);
    case "host":
      return domainAllowed(e.value, a.domains);
    case "iban":
      return a.accounts.has(e.value.toUpperCase());
    case "person":
    case "channel":
      return a.users.has(e.value) || a.emails.has(e.value);
    case "phone":
      return a.phones.some((p) => p.slice(-9) === e.value.slice(-9));
    default:
      return false;
  }
}

const READ_ONLY = new Set<ActionClass>(["read"]);

function describe(e: Entity): string {
  const v = e.value.length > 60 ? `${e.value.slice(0, 57)}...` : e.value;
  return `${e.kind} ${JSON.stringify(v)} (${e.param || "argument"})`;
}

/** Text values of the call, for instruction marks and sensitive data. */
function callTexts(v: unknown, out: string[], depth: number): void {
  if (out.length > 64 || depth > 5) return;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) callTexts(x, out, depth + 1);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) callTexts(x, out, depth + 1);
}

type Source = { ix: TextIndex; marked: string | undefined; label: string };

/**
 * The local analysis. `aligned` needs every hard entity grounded and the action asked for; `misaligned`
 * names its reasons; `unknown` means the call may be fine but its values come from content the check
 * cannot see (the judge, if configured, is asked then).
 */
export function checkActionPurpose(call: { tool: string; params: Record<string, unknown> }, ctx: PurposeContext, allow: CompiledAllowlists = EMPTY_ALLOWLISTS): PurposeResult {
  const action = classifyCall(call.tool, call.params);
  const reasons: PurposeReason[] = [];
  let strong = false;
  let medium = false;
  const add = (code: PurposeReasonCode, detail: string, weight: "strong" | "medium" | "weak") => {
    if (reasons.length < 12) reasons.push({ code, detail });
    if (weight === "strong") strong = true;
    else if (weight === "medium") medium = true;
  };

  const texts: string[] = [];
  callTexts(call.params, texts, 0);
  // A shell command's invisible characters are the shell analysis's (unicode.*: stripped, reported, escalated;
  // an emoji's zero-width joiner in quoted text is fine), not an injection mark of their own.
  const invisible = typeof call.params.command !== "string";
  for (const t of texts) {
    const mark = instructionMark(t, { invisible });
    if (mark) {
      add(PURPOSE_REASONS.injectedText, `the call's arguments carry instruction-like text ("${mark}")`, "strong");
      break;
    }
  }

  const goalText = ctx.goal?.trim() ?? "";
  if (goalText === "") {
    add(PURPOSE_REASONS.noGoal, "no trusted goal is known for this session", "weak");
    return { verdict: strong ? "misaligned" : "unknown", reasons, confidence: strong ? "high" : "low", action };
  }
  const trustedTexts = [goalText, ...(ctx.trusted ?? [])];
  const allTrusted = trustedTexts.join("\n");
  const goal = analyseGoal(allTrusted);

  if (!READ_ONLY.has(action)) {
    // A generic "exec" (a shell command that is neither a plain read, deletion nor upload; a tool with no verb) says
    // too little about its effect to call it misaligned on intent alone: agents run commands to answer questions too.
    // The shell analysis judges what such a command does; here it only weighs as a doubt.
    const effect = action === "exec" ? shellSideEffect(call.params) : undefined;
    const intentWeight = action === "exec" && effect === undefined ? "weak" : "strong";
    if (goal.classes.size === 0 && !goal.delegated) {
      add(PURPOSE_REASONS.intent, `the goal asks only for information, but the call would ${effect ?? action}`, intentWeight);
    } else if (!goal.delegated && !isCovered(action, goal)) {
      add(PURPOSE_REASONS.scope, `the goal asks to ${[...goal.classes].join("/")}, not to ${action}`, action === "exec" ? "weak" : "strong");
    }
    const object = missingObject(action, call.tool, allTrusted);
    if (object !== undefined && !goal.delegated) add(PURPOSE_REASONS.scope, `the call would ${action} a ${object}, which the goal does not talk about`, "strong");
    for (const s of sensitiveScopes(call.tool, call.params, allTrusted)) add(PURPOSE_REASONS.scope, `the call makes ${s}, which the goal does not mention`, "strong");
    if (action === "send" || action === "post" || action === "share" || action === "pay") {
      for (const d of sensitiveData(texts, allTrusted)) add(PURPOSE_REASONS.scope, `the call sends ${d}, which the goal does not mention`, "strong");
    }
  }

  // A new password, PIN or key the goal spells out must be the one the call sets.
  if (action === "credentials") {
    const given = /\b(?:password|passcode|pin|passphrase)\b[^.;!?\n]{0,20}?\b(?:to|is|as|should be|:)\s*['"‘“]?([^\s'"’”]{4,})/iu.exec(allTrusted)?.[1];
    if (given !== undefined) {
      for (const [k, v] of Object.entries(call.params)) {
        if (typeof v === "string" && /pass|pin|secret/iu.test(k) && !allTrusted.includes(v)) {
          add(PURPOSE_REASONS.ungrounded, `the ${k} the call sets is not the one the goal gives`, "strong");
        }
      }
    }
  }

  const trusted = ctx.trustedIndex && ctx.trustedIndex.length === trustedTexts.length ? ctx.trustedIndex : trustedTexts.map(indexText);
  const goalIx = trusted[0] as TextIndex;
  const sources: Source[] = [];
  const readArgs: TextIndex[] = [];
  for (const p of ctx.priorCalls ?? []) {
    // Where the agent looked (a read call's arguments) grounds what it then acts on; a side-effect call does not.
    if (classifyCall(p.tool, p.params) === "read") readArgs.push(indexText(JSON.stringify(p.params)));
    if (p.result !== undefined && p.result !== "") {
      const prep = p.prepared ?? prepareText(p.result);
      sources.push({ ix: prep.ix, marked: prep.mark, label: `the result of ${p.tool}` });
    }
  }
  for (const u of ctx.untrusted ?? []) {
    const prep = u.prepared ?? prepareText(u.text);
    sources.push({ ix: prep.ix, marked: prep.mark, label: u.source });
  }

  const entities = extractCallEntities(call.params);
  const dates = goalDates(allTrusted);
  // The first date is when the call takes effect (start, payment day); the goal's own dates must include it.
  const firstDate = entities.find((e) => e.kind === "date" && /^(?:start|date$|day$|when$|at$)/iu.test(e.param)) ?? entities.find((e) => e.kind === "date");
  if (dates && firstDate && !dates.has(firstDate.value.slice(5)) && (action === "schedule" || action === "reserve" || action === "pay")) {
    add(PURPOSE_REASONS.ungrounded, `${describe(firstDate)} is none of the dates the goal names`, "medium");
  }
  // A payment of an amount the goal states must be that amount (unless the goal asks for a computation).
  const amounts = action === "pay" ? goalAmounts(allTrusted) : undefined;
  const amount = entities.find((e) => e.kind === "amount");
  if (amounts && amount && ![...amounts].some((a) => Math.abs(a - Number(amount.value)) < 0.005)) {
    add(PURPOSE_REASONS.ungrounded, `${describe(amount)} is none of the amounts the goal states (${[...amounts].join(", ")})`, "medium");
  }
  // A goal that names one recipient of a kind, matched by the call, may leave the others to a source (the same participants as…).
  const groundedKinds = new Set(entities.filter((e) => !e.soft && mentions(goalIx, e)).map((e) => e.kind));
  const targets = goalTargetNames(allTrusted);
  for (const e of entities) {
    if (trusted.some((ix) => mentions(ix, e)) || allowlisted(e, allow)) continue;
    const seenIn = sources.filter((s) => mentions(s.ix, e));
    const marked = seenIn.find((s) => s.marked !== undefined);
    if (marked && !seenIn.some((s) => s.marked === undefined && goal.pointer)) {
      add(PURPOSE_REASONS.injectedEntity, `${describe(e)} appears only in ${marked.label}, which carries instruction-like text ("${marked.marked}")`, "strong");
      continue;
    }
    if (e.soft) continue;
    if (readArgs.some((ix) => mentions(ix, e))) continue;
    if (seenIn.length > 0) {
      if (goal.pointer || goal.delegated) continue;
      add(PURPOSE_REASONS.ungrounded, `${describe(e)} comes from ${seenIn[0]?.label ?? "untrusted content"}, which the goal does not point at`, "medium");
      continue;
    }
    if (e.kind === "person" && !e.embedded && targets.size > 0) {
      add(PURPOSE_REASONS.ungrounded, `${describe(e)} is not whom the goal names (${[...targets].join(", ")})`, "medium");
    } else if (e.embedded && e.kind === "host" && texts.some((t) => LINK_CALL_TO_ACTION.test(t) && t.toLowerCase().includes(e.value))) {
      // "Check out this link: …" to a site nobody named is how phishing spreads through an agent.
      add(PURPOSE_REASONS.ungrounded, `${describe(e)} is a link the message asks its reader to open, and the goal never names it`, "medium");
    } else if (!e.embedded && namedOfKind(goalIx, e.kind) && !groundedKinds.has(e.kind)) {
      add(PURPOSE_REASONS.ungrounded, `${describe(e)} is not the ${e.kind === "host" ? "site" : e.kind === "iban" ? "account" : "address"} the goal names`, goal.pointer ? "medium" : "strong");
    } else if (!goal.pointer && !goal.delegated) {
      add(PURPOSE_REASONS.ungrounded, `${describe(e)} is named nowhere in the goal, trusted messages or allowlists`, "medium");
    } else {
      add(PURPOSE_REASONS.unverified, `${describe(e)} is not in the goal; it may come from the source the goal points at, which the check has not seen`, "weak");
    }
  }

  // A generic exec (no plain deletion or upload in its command): medium doubts (an ungrounded host, a date) stay doubts.
  const genericExec = action === "exec" && shellSideEffect(call.params) === undefined;
  if (strong || (medium && !genericExec)) return { verdict: "misaligned", reasons, confidence: strong ? "high" : "medium", action };
  if (reasons.length > 0) return { verdict: "unknown", reasons, confidence: "low", action };
  return { verdict: "aligned", reasons, confidence: "high", action };
}
