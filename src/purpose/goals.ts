// The goal store: per session (and run), the user's stated goal, recent messages and tool results. In memory only, bounded (LRU + TTL).
import { type PreparedText, prepareText, type PriorCall, type PurposeContext, type UntrustedText } from "./align.ts";

export type GoalStoreBounds = { maxSessions: number; ttlSeconds: number; maxMessages: number; maxResults: number; maxChars: number };

/** A user message as a hook saw it. `trust` is settled at capture when the host proves it, else when the call's requester is known. */
export type CapturedMessage = {
  text: string;
  senderId?: string | undefined;
  runId?: string | undefined;
  /** "goal": the message that starts a run (before_prompt_build); "message": any inbound message (message_received). */
  kind: "goal" | "message";
  /** trusted: owner or private session proven at capture; untrusted: proven otherwise; pending: decide from the requester later. */
  trust: "trusted" | "untrusted" | "pending";
};

/** Texts are indexed and scanned once, when first needed, and the work is kept with them. */
type Message = CapturedMessage & { at: number; prepared?: PreparedText | undefined };
type Result = { tool: string; params: Record<string, unknown>; result: string; runId?: string | undefined; at: number; prepared: PreparedText };
type Session = { messages: Message[]; results: Result[]; untrusted: (UntrustedText & { at: number; prepared: PreparedText })[]; touched: number };

function prepared(m: Message): PreparedText {
  m.prepared ??= prepareText(m.text);
  return m.prepared;
}

/** Who asks at tool time: the requester OpenClaw proved for the call. */
export type RequesterFacts = { senderId?: string | undefined; senderIsOwner?: boolean | undefined; privateSession: boolean };

export type GoalStore = {
  noteMessage(sessionKey: string, m: CapturedMessage): void;
  noteUntrusted(sessionKey: string, source: string, text: string): void;
  noteResult(sessionKey: string, r: { tool: string; params: Record<string, unknown>; result: unknown; runId?: string | undefined }): void;
  /** The purpose context of a call: the trusted goal of its run (else the session's latest), trusted messages, untrusted text, prior calls. */
  contextFor(sessionKey: string, runId: string | undefined, who: RequesterFacts): PurposeContext | undefined;
  /** The stated goal of a run (else the session's latest) for display to supervisors; not proof of trust (pending trust included). */
  goalFor(sessionKey: string, runId: string | undefined): string | undefined;
  size(): number;
  /** For tests and status: what one session holds (counts only). */
  stats(sessionKey: string): { messages: number; results: number; untrusted: number } | undefined;
};

export type GoalStoreOptions = { bounds: GoalStoreBounds; scrub?: ((text: string) => string) | undefined; now?: (() => number) | undefined };

/** Tool results as text: strings as they are, anything else as JSON, cut to the bound. */
export function resultText(result: unknown, maxChars: number): string {
  if (result === undefined || result === null) return "";
  let t: string;
  if (typeof result === "string") t = result;
  else {
    try {
      t = JSON.stringify(result) ?? "";
    } catch {
      t = String(result);
    }
  }
  return t.length > maxChars ? t.slice(0, maxChars) : t;
}

export function createGoalStore(options: GoalStoreOptions): GoalStore {
  const b = options.bounds;
  const now = options.now ?? Date.now;
  const scrub = options.scrub ?? ((t: string) => t);
  const ttlMs = b.ttlSeconds * 1000;
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recently used.
  const sessions = new Map<string, Session>();
  const clip = (t: string) => scrub(t.length > b.maxChars ? t.slice(0, b.maxChars) : t);

  function session(key: string, create: boolean): Session | undefined {
    const t = now();
    let s = sessions.get(key);
    if (s && t - s.touched > ttlMs) {
      sessions.delete(key);
      s = undefined;
    }
    if (!s) {
      if (!create) return undefined;
      s = { messages: [], results: [], untrusted: [], touched: t };
    } else sessions.delete(key);
    s.touched = t;
    sessions.set(key, s);
    while (sessions.size > b.maxSessions) {
      const oldest = sessions.keys().next();
      if (oldest.done) break;
      sessions.delete(oldest.value);
    }
    return s;
  }

  function expire(s: Session): void {
    const cutoff = now() - ttlMs;
    if (s.messages.length > 0 && (s.messages[0]?.at ?? 0) < cutoff) s.messages = s.messages.filter((m) => m.at >= cutoff);
    if (s.results.length > 0 && (s.results[0]?.at ?? 0) < cutoff) s.results = s.results.filter((r) => r.at >= cutoff);
    if (s.untrusted.length > 0 && (s.untrusted[0]?.at ?? 0) < cutoff) s.untrusted = s.untrusted.filter((u) => u.at >= cutoff);
  }

  function push<T>(list: T[], item: T, max: number): void {
    list.push(item);
    if (list.length > max) list.splice(0, list.length - max);
  }

  return {
    noteMessage(key, m) {
      const text = m.text.trim();
      if (text === "") return;
      const s = session(key, true) as Session;
      expire(s);
      const clipped = clip(text);
      // before_prompt_build and message_received both see most turns: one entry, the goal wins.
      const last = s.messages[s.messages.length - 1];
      if (last && last.text === clipped && last.senderId === m.senderId) {
        if (m.kind === "goal") last.kind = "goal";
        if (m.runId !== undefined) last.runId = m.runId;
        if (m.trust !== "pending" && last.trust === "pending") last.trust = m.trust;
        // An untrusted verdict from either hook wins: text another session produced is never the user's.
        if (m.trust === "untrusted") last.trust = "untrusted";
        last.at = now();
        return;
      }
      push(s.messages, { ...m, text: clipped, at: now() }, b.maxMessages * 2);
    },
    noteUntrusted(key, source, text) {
      if (text.trim() === "") return;
      const s = session(key, true) as Session;
      expire(s);
      const t = clip(text);
      push(s.untrusted, { source, text: t, at: now(), prepared: prepareText(t) }, b.maxMessages);
    },
    noteResult(key, r) {
      const s = session(key, true) as Session;
      expire(s);
      const text = clip(resultText(r.result, b.maxChars));
      push(s.results, { tool: r.tool, params: r.params, result: text, runId: r.runId, at: now(), prepared: prepareText(text) }, b.maxResults);
    },
    contextFor(key, runId, who) {
      const s = session(key, false);
      if (!s) return undefined;
      expire(s);
      const isTrusted = (m: Message): boolean => {
        if (m.trust === "untrusted") return false;
        if (m.trust === "trusted") return true;
        // Pending: the call's requester must be this message's sender, and the owner or alone in a private session.
        if (m.senderId !== undefined && who.senderId !== undefined && m.senderId !== who.senderId) return false;
        return who.senderIsOwner === true || who.privateSession;
      };
      const trusted = s.messages.filter(isTrusted);
      const goals = trusted.filter((m) => m.kind === "goal");
      const ofRun = runId === undefined ? [] : goals.filter((m) => m.runId === runId);
      const goal = ofRun[ofRun.length - 1] ?? goals[goals.length - 1] ?? trusted[trusted.length - 1];
      const untrusted: UntrustedText[] = [
        ...s.messages.filter((m) => !isTrusted(m)).map((m) => ({ source: "another participant's message", text: m.text, prepared: prepared(m) })),
        ...s.untrusted.map((u) => ({ source: u.source, text: u.text, prepared: u.prepared })),
      ];
      const results = runId === undefined ? s.results : s.results.filter((r) => r.runId === undefined || r.runId === runId);
      const priorCalls: PriorCall[] = results.map((r) => ({ tool: r.tool, params: r.params, result: r.result, prepared: r.prepared }));
      const others = trusted.filter((m) => m !== goal).slice(-b.maxMessages);
      return {
        goal: goal?.text,
        trusted: others.map((m) => m.text),
        ...(goal ? { trustedIndex: [goal, ...others].map((m) => prepared(m).ix) } : {}),
        untrusted,
        priorCalls,
      };
    },
    goalFor(key, runId) {
      const s = sessions.get(key);
      if (!s || now() - s.touched > ttlMs) return undefined;
      const goals = s.messages.filter((m) => m.kind === "goal" && m.trust !== "untrusted" && now() - m.at <= ttlMs);
      const ofRun = runId === undefined ? [] : goals.filter((m) => m.runId === runId);
      return (ofRun[ofRun.length - 1] ?? goals[goals.length - 1])?.text;
    },
    size: () => sessions.size,
    stats(key) {
      const s = sessions.get(key);
      return s ? { messages: s.messages.length, results: s.results.length, untrusted: s.untrusted.length } : undefined;
    },
  };
}
