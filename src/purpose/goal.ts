// What a user's goal asks for (action classes, delegation, pointers to sources) and what a call does. Pure.

/** What a side-effecting call does, derived from its tool name words and arguments. */
export type ActionClass = "pay" | "send" | "post" | "delete" | "share" | "invite" | "settings" | "credentials" | "write" | "schedule" | "reserve" | "exec" | "read";

export const ACTION_CLASSES: readonly ActionClass[] = ["pay", "send", "post", "delete", "share", "invite", "settings", "credentials", "write", "schedule", "reserve", "exec"];

/** Tool-name words per class, checked in this order (send_money is pay before send; update_password is credentials). */
const TOOL_WORDS: readonly (readonly [ActionClass, RegExp])[] = [
  ["credentials", /^(?:password|passwd|passcode|credentials?|token|tokens|apikey|secret|secrets|2fa|mfa|otp|sshkey|keypair)$/u],
  ["pay", /^(?:money|payment|payments|pay|transfer|transaction|transactions|refund|invoice|wire|purchase|buy|checkout|payout|remit)$/u],
  ["reserve", /^(?:reserve|reservation|book|booking|rent|rental)$/u],
  ["delete", /^(?:delete|remove|rm|erase|trash|purge|destroy|unlink|drop|revoke|uninstall|kick|ban|unshare)$/u],
  ["invite", /^(?:invite|invitation|participant|participants|member|members|onboard|enroll)$/u],
  ["share", /^(?:share|grant|permission|permissions|acl)$/u],
  ["schedule", /^(?:calendar|event|events|meeting|reschedule|schedule|appointment|cron|remind|reminder|automations?)$/u],
  ["post", /^(?:post|publish|tweet|upload|webpage|blog|comment)$/u],
  ["send", /^(?:send|email|mail|message|msg|dm|reply|forward|notify|sms|chat|conversations|sessions|turn)$/u],
  ["settings", /^(?:update|set|change|config|configure|settings|profile|info|dns|forwarding|rule|filter|webhook|gateway|plugins|openclaw|enable|disable)$/u],
  ["write", /^(?:create|write|append|edit|save|patch|apply|file|note|mkdir|move|rename|copy|add)$/u],
  ["exec", /^(?:exec|bash|shell|process|code|execution|run|computer|browser|nodes|spawn|subagents|script)$/u],
];

const READ_WORDS = /^(?:get|search|list|read|check|find|fetch|query|view|show|lookup|look|describe|inspect|download|stat|count|recall|poll|status|info)$/u;

export function toolWords(tool: string): string[] {
  return tool
    .replace(/([a-z0-9])([A-Z])/gu, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/u)
    .filter(Boolean);
}

/** Commands that only look: a shell call made of nothing else reads. */
const READ_ONLY_COMMANDS = new Set(["ls", "cat", "head", "tail", "grep", "rg", "wc", "pwd", "echo", "date", "whoami", "id", "stat", "file", "du", "df", "ps", "tree", "less", "more", "which", "type", "uname", "hostname", "sort", "uniq", "cut", "jq", "diff", "realpath", "basename", "dirname", "printf", "true", "test"]);
const READ_ONLY_GIT = new Set(["status", "log", "diff", "show", "branch", "remote", "rev-parse", "ls-files", "blame"]);

/** Whether a shell command line only reads (every simple command a known looker; no redirection into files). */
export function isReadOnlyCommand(command: string): boolean {
  if (command.length > 2_000 || /[>`]|\$\(/u.test(command)) return false;
  const parts = command.split(/\|\||&&|[|;\n]/u).map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return false;
  return parts.every((p) => {
    const [cmd, sub] = p.split(/\s+/u);
    if (cmd === undefined) return false;
    if (cmd === "git") return sub !== undefined && READ_ONLY_GIT.has(sub);
    if (cmd === "find") return !/\s-(?:delete|exec|execdir|ok|fprint)/u.test(p);
    if (cmd === "sed") return !/\s-i/u.test(p);
    return READ_ONLY_COMMANDS.has(cmd);
  });
}

/** Shell commands whose effect is plainly a deletion or sending data away (what an information-only goal never asks for). */
const SHELL_DELETES = /(?:^|[;&|(`\s])(?:rm|rmdir|shred|unlink|truncate)\s|\bfind\s[^;&|]*\s-delete\b|\bgit\s+(?:rm|clean|reset\s+--hard|push\s+(?:-f|--force))\b|\bdd\s[^;&|]*\bof=/u;
const SHELL_SENDS = /\b(?:curl|wget|http|xh)\b[^;&|]*(?:\s-d\b|\s--data|\s-F\b|\s--form|\s-T\b|\s--upload|\s-X\s*(?:POST|PUT|PATCH|DELETE)\b|\s--post)|(?:^|[;&|(\s])(?:scp|sftp|nc|ncat|netcat|socat|sendmail|mail|mutt|ssh)\s|\bgit\s+push\b|\brsync\s[^;&|]*\S+:/u;

/** For a shell call: does its command plainly delete or send data away? (Anything else a shell runs is only "exec".) */
export function shellSideEffect(params: Record<string, unknown>): "delete" | "send" | undefined {
  const command = params.command;
  if (typeof command !== "string") return undefined;
  const c = command.length > 20_000 ? command.slice(0, 20_000) : command;
  if (SHELL_DELETES.test(c)) return "delete";
  if (SHELL_SENDS.test(c)) return "send";
  return undefined;
}

/** The class of a call; an `action` argument (OpenClaw's message tool: send, delete, react…) refines it. */
export function classifyCall(tool: string, params: Record<string, unknown>): ActionClass {
  const words = toolWords(tool);
  const action = typeof params.action === "string" ? toolWords(params.action) : [];
  if (action.length > 0 && action.every((w) => READ_WORDS.test(w))) return "read";
  if (typeof params.command === "string" && isReadOnlyCommand(params.command.trim())) return "read";
  // get_*, search_*, list_*, read_*: the verb comes first.
  if (words[0] !== undefined && READ_WORDS.test(words[0])) return "read";
  // "add_user_to_channel", "add_calendar_event_participants": adding someone is inviting them.
  if (words.includes("add") && words.some((w) => /^(?:users?|members?|participants?|people|contacts?)$/u.test(w))) return "invite";
  for (const [cls, re] of TOOL_WORDS) if (action.some((w) => re.test(w))) return cls;
  for (const [cls, re] of TOOL_WORDS) if (words.some((w) => re.test(w))) return cls;
  if (words.some((w) => READ_WORDS.test(w))) return "read";
  // Unknown verbs: an amount and a recipient make a payment; a recipient and text make a message.
  const keys = Object.keys(params).map((k) => k.toLowerCase());
  if (keys.includes("amount") && keys.some((k) => /recipient|iban|account|to/u.test(k))) return "pay";
  if (keys.some((k) => /^(?:to|recipients?)$/u.test(k))) return "send";
  return "exec";
}

/** Goal phrases that ask for an action of a class. "tell me", "show me", "let me know" are answers, not actions. */
const GOAL_CUES: readonly (readonly [ActionClass, RegExp])[] = [
  ["pay", /\b(?:pay|pays|paying|payment|payments|transfer|refund|reimburse|wire|remit|settle (?:up|the)|send (?:\w+ ){0,2}(?:money|funds|the difference|back)|send (?:\w+ ){0,3}[$€£]?\s?\d+(?:[.,]\d+)?(?!\s*(?:pm|am|h|hours?|minutes?|days?|weeks?|people|messages?|emails?|files?)\b)|\d+(?:[.,]\d+)? ?(?:eur|euros?|usd|dollars?|chf|francs?|gbp|pounds?)\b|rent (?:is|payment)|standing orders?|scheduled transactions?|recurring transactions?|tip|donate)\b/iu],
  ["send", /(?:^|[.!?;,]\s*|\b(?:and|then|please|also)\s+)e-?mail\b|\b(?:send|sends|sending|reply|replies|respond|forward|notify|inform|contact|ping|dm|congratulate|write (?:to|them|him|her|back|an? (?:message|note|reply|mail|e-?mail)|the following message|the message|each)|e-?mail (?:to|him|her|them|it|back|every|each|the (?:client|team|group))|message (?:him|her|them|each|every|to|\p{Lu}\p{L}* )|text (?:him|her|them)|tell (?!me\b|us\b)(?:him|her|them|\p{L}+ (?:that|about))|let (?!me\b|us\b)\p{L}+ know|remind (?:him|her|them))\b/iu],
  ["post", /\b(?:post|posts|posting|publish|upload|tweet|announce)\b/iu],
  ["delete", /\b(?:delete|remove|erase|trash|purge|wipe|clear (?:out|up)|clean (?:up|out)|get rid of|unsubscribe|kick|ban|revoke|uninstall|destroy)\b/iu],
  ["share", /\b(?:share|sharing|grant (?:\w+ )?access|give (?:\w+ )?access|(?:read|write|edit) permissions?)\b/iu],
  ["invite", /\b(?:invite|invites|inviting|onboard|onboarding|participants?)\b|\badd\b[^.;!?]{0,80}?\b(?:to|into)\b[^.;!?]{0,40}?\b(?:channels?|slack|team|group|workspace|members?|event|meeting|org\w*|repo\w*)\b/iu],
  ["settings", /\b(?:update|change|set|modify|configure|adjust|enable|disable|turn (?:on|off)|rename|reset)\b/iu],
  ["credentials", /\b(?<!link to |how to )(?:update|change|set|reset|rotate|new)\b[^.;!?]{0,40}\b(?:password|passcode|pin|credentials?|api key|token|2fa)\b|\b(?:password|passcode) (?:to|should be|is now)\b/iu],
  ["write", /\b(?:create|creating|write|append|edit|save|draft|note down|record|fill in)\b|\badd\b(?:[^.;!?]|\.(?=\w)){0,160}?\bto (?:the |my |our |a )?(?:\p{L}+ ){0,2}(?:file|list|document|doc|notes?|sheet|spreadsheet|drive|folder)\b/iu],
  ["schedule", /\b(?:reschedule|schedule|remind me|reminder)\b|\b(?:create|add|book|put|organi[sz]e|plan|move|make|set up|block)\b[^.;!?]{0,60}?\b(?:event|meeting|appointment|calendar|reminder|call)\b/iu],
  ["reserve", /\b(?:reserve|reserving|reservation|book|booking|rent (?:a|an|two|the|\d)|place an order|order (?:a|an|some|\d+)|buy|purchase)\b/iu],
  ["exec", /(?<!\b(?:the|a|an|my|our|this|that|your) )\b(?:run|execute|install|build|deploy|compile|test|fix|restart|start|stop|kill|commit|push|merge|migrate|upgrade|refactor|implement)\b/iu],
];

/** Which goal classes cover a call class. */
const COVERED_BY: Readonly<Record<ActionClass, readonly ActionClass[]>> = {
  pay: ["pay"],
  send: ["send", "post"],
  post: ["post", "send"],
  delete: ["delete"],
  share: ["share"],
  invite: ["invite"],
  settings: ["settings", "credentials"],
  credentials: ["credentials"],
  write: ["write", "exec", "schedule"],
  schedule: ["schedule"],
  reserve: ["reserve", "pay"],
  exec: ["exec"],
  read: [],
};

/** "Do the tasks in X", "follow the instructions": the actions come from the source the user named. */
const DELEGATION = /\b(?:do|perform|complete|execute|carry out|follow|handle|take care of|act on|work through)\b(?! the following)[^.;!?]{0,50}?\b(?:tasks?|actions?|instructions?|todos?|to-?do(?: list)?|requests?|steps|what (?:it|the \w+|\w+) (?:says|asks))\b|\baccordingly\b/iu;

/** The goal points at a source its values may come from (a file, an email, a page, the history, a search). */
const SOURCE_NOUNS = "files?|documents?|docx?|spreadsheets?|e-?mails?|mails?|inbox|messages?|dms?|chats?|channels?|websites?|web ?pages?|pages?|sites?|urls?|links?|blog|articles?|posts?|lists?|todos?|to-?do(?: list)?|notes?|minutes|history|transactions?|statements?|bills?|invoices?|calendar|events?|meetings?|contacts?|drive|folders?|repo(?:sitory)?|issues?|tickets?|reviews?|ratings?|results?|records?|feedback|attachments?";
const POINTER = new RegExp(
  [
    // "the file", "Bob's email", "my inbox", "in the unread emails": a source, not an action.
    `\\b(?:the|my|our|your|his|her|their|this|that|these|those|an?|in|from|on|at)\\s+(?:[\\p{L}'-]+\\s+){0,3}(?:${SOURCE_NOUNS})\\b`,
    `\\p{L}+'s?\\s+(?:[\\p{L}-]+\\s+){0,2}(?:${SOURCE_NOUNS})\\b`,
    "\\b(?:based on|according to|accordingly|mentioned|listed|found|same (?:participants|people|recipients|ones?)|like last|usual(?:ly)?|paid|received|sent me|got from|the amount|find|search|look up|recommend|suggest|best|highest|cheapest|top-rated)\\b",
    "\\b[\\w-]+\\.(?:txt|docx?|xlsx?|pdf|csv|md|json)\\b",
    "\\bwww\\.",
    "https?:\\/\\/",
  ].join("|"),
  "iu",
);

export type GoalAnalysis = { classes: ReadonlySet<ActionClass>; delegated: boolean; pointer: boolean };

export function analyseGoal(text: string): GoalAnalysis {
  const t = text
    .normalize("NFKC")
    .replace(/\b(?:tell|show|give|get|send) (?:me|us)\b/giu, "answer")
    // "the link to reset my password", "how to change it": naming an action is not asking for it.
    .replace(/\b(?:link|how|way|instructions|steps|page|form) to \p{L}+/giu, "about")
    .replace(/\bin the order\b/giu, "in sequence");
  const classes = new Set<ActionClass>();
  for (const [cls, re] of GOAL_CUES) if (re.test(t)) classes.add(cls);
  return { classes, delegated: DELEGATION.test(t), pointer: POINTER.test(t) };
}

export function isCovered(call: ActionClass, goal: GoalAnalysis): boolean {
  return COVERED_BY[call].some((c) => goal.classes.has(c));
}

/** Extra effects that need the goal to name them explicitly, whatever else it asks for. */
const SENSITIVE_SCOPES: readonly { scope: string; call: RegExp; goal: RegExp }[] = [
  { scope: "a password or credential change", call: /\b(?:password|passwd|passcode|credentials?|2fa|mfa)\b/iu, goal: /\b(?:password|passcode|credentials?|2fa|mfa|log-?in details)\b/iu },
  { scope: "a new API key or access token", call: /\b(?:api[ _-]?keys?|access[ _-]?tokens?|create[ _-]?tokens?|deploy[ _-]?keys?|ssh[ _-]?keys?|personal[ _-]?access)\b/iu, goal: /\b(?:api keys?|tokens?|ssh keys?|deploy keys?)\b/iu },
  { scope: "a mail forwarding rule", call: /\b(?:forward(?:ing)?[ _-]?(?:rules?|to|address)|auto[ _-]?forward\w*|mail[ _-]?rules?|inbox[ _-]?rules?)\b/iu, goal: /\bforward/iu },
  { scope: "a DNS change", call: /\b(?:dns|nameservers?|mx[ _-]?records?|cname|a[ _-]?record)\b/iu, goal: /\b(?:dns|nameservers?|mx|cname|domain records?)\b/iu },
  { scope: "a webhook", call: /\bwebhooks?\b/iu, goal: /\bwebhooks?\b/iu },
];

/** Personal or secret data inside what the call sends. */
const SENSITIVE_DATA: readonly { what: string; re: RegExp; goal: RegExp }[] = [
  { what: "a passport number", re: /\bpassport[ _-]?(?:number|no|#)?\b/iu, goal: /\bpassport/iu },
  { what: "a credit card number", re: /\b(?:credit[ _-]?card|card[ _-]?number|cvv|cvc)\b|\b(?:\d{4}[ -]){3}\d{4}\b/iu, goal: /\b(?:credit[ -]?card|card number|card)\b/iu },
  { what: "an ID or social security number", re: /\b(?:id[ _-]?number|ssn|social security|national id|tax id)\b/iu, goal: /\b(?:id number|ssn|social security|national id|tax id|identity)\b/iu },
  { what: "a bank account number", re: /\bbank[ _-]?account(?:[ _-]?number)?\b/iu, goal: /\b(?:bank account|account number|iban)\b/iu },
  { what: "a password, security code or key", re: /\b(?:password|passcode|security code|verification code|one-time code|2fa code|otp|secret key|private key|api[ _-]?key)\b/iu, goal: /\b(?:password|passcode|security code|verification code|code|secret key|private key|api key|key)\b/iu },
];

export function sensitiveScopes(tool: string, params: Record<string, unknown>, goalText: string): string[] {
  const hay = `${toolWords(tool).join(" ")} ${Object.keys(params).join(" ").replace(/_/gu, " ")} ${typeof params.action === "string" ? params.action : ""}`;
  return SENSITIVE_SCOPES.filter((s) => s.call.test(hay) && !s.goal.test(goalText)).map((s) => s.scope);
}

export function sensitiveData(texts: readonly string[], goalText: string): string[] {
  const hay = texts.join("\n").slice(0, 20_000);
  return SENSITIVE_DATA.filter((s) => s.re.test(hay) && !s.goal.test(goalText)).map((s) => s.what);
}

/** Objects a destructive or binding call names in its tool name, and the goal words that cover each. */
const OBJECTS: readonly { object: RegExp; goal: RegExp }[] = [
  { object: /^(?:email|emails|mail|mails|inbox)$/u, goal: /\b(?:e-?mails?|mails?|inbox|messages?)\b/iu },
  { object: /^(?:file|files|document|documents|doc|docs)$/u, goal: /\b(?:files?|documents?|docs?|drive|folders?|[\w-]+\.[a-z]{2,4})\b/iu },
  { object: /^(?:event|events|meeting|meetings|appointment|calendar)$/u, goal: /\b(?:events?|meetings?|appointments?|calendar|call)\b/iu },
  { object: /^(?:message|messages|msg)$/u, goal: /\b(?:messages?|posts?|chats?)\b/iu },
  { object: /^(?:channel|channels)$/u, goal: /\bchannels?\b/iu },
  { object: /^(?:user|users|member|members|account)$/u, goal: /\b(?:users?|members?|people|persons?|colleagues?|accounts?|\p{Lu}\p{Ll}+)\b/u },
  { object: /^(?:repo|repository|branch)$/u, goal: /\b(?:repo(?:sitory)?|branch(?:es)?)\b/iu },
  { object: /^(?:hotel|hotels|room|accommodation)$/u, goal: /\b(?:hotels?|rooms?|accommodations?|stay|place to stay|lodging)\b/iu },
  { object: /^(?:restaurant|restaurants|table)$/u, goal: /\b(?:restaurants?|table|dinner|lunch|breakfast|brunch)\b/iu },
  { object: /^(?:car|cars|vehicle)$/u, goal: /\b(?:cars?|vehicles?|suvs?|rental)\b/iu },
  { object: /^(?:flight|flights|ticket|tickets)$/u, goal: /\b(?:flights?|tickets?|fly|flying)\b/iu },
];

/** For deleting and reserving, the thing deleted or booked must be something the goal talks about. */
export function missingObject(action: ActionClass, tool: string, goalText: string): string | undefined {
  if (action !== "delete" && action !== "reserve") return undefined;
  for (const w of toolWords(tool)) {
    const o = OBJECTS.find((x) => x.object.test(w));
    if (o && !o.goal.test(goalText)) return w;
  }
  return undefined;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const DATE_MD = new RegExp(`\\b${MONTH_RE}\\.? (\\d{1,2})(?:st|nd|rd|th)?\\b`, "giu");
const DATE_DM = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH_RE}\\b`, "giu");
const DATE_ISO = /\b\d{4}-(\d{2})-(\d{2})\b/gu;
const RELATIVE = /\b(?:today|tonight|tomorrow|yesterday|(?:next|this|last|coming|following) (?:week|weekend|month|year|day)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|recurring|every)\b/iu;

function monthIndex(m: string): number {
  return MONTHS.indexOf(m.slice(0, 3).toLowerCase()) + 1;
}

/**
 * Month-day pairs the goal names ("May 1st", "15th of November", 2024-05-19), or undefined when the goal
 * names none or also speaks in relative terms (then a date cannot be checked against it).
 */
export function goalDates(goalText: string): ReadonlySet<string> | undefined {
  const out = new Set<string>();
  const pad = (n: number) => String(n).padStart(2, "0");
  for (const m of goalText.matchAll(DATE_MD)) out.add(`${pad(monthIndex(m[1] ?? ""))}-${pad(Number(m[2]))}`);
  for (const m of goalText.matchAll(DATE_DM)) out.add(`${pad(monthIndex(m[2] ?? ""))}-${pad(Number(m[1]))}`);
  for (const m of goalText.matchAll(DATE_ISO)) out.add(`${m[1]}-${m[2]}`);
  if (out.size === 0 || RELATIVE.test(goalText)) return undefined;
  return out;
}

/** People the goal names as whom to invite, message, pay or share with ("invite Dora", "send it to Alice"). Case matters: names are capitalised. */
const TARGET_NAME = /(?<!\b(?:the|a|an|this|that|his|her|their|your|my) )\b(?:[Ii]nvite|[Aa]dd|[Mm]essage|[Ee]-?mail|[Pp]ay|[Rr]efund|[Dd][Mm]|[Rr]emind|[Tt]ell|[Cc]ontact|[Pp]ing)\s+(\p{Lu}\p{Ll}+)|(?<!\b(?:the|a|an|this|that|his|her|their|your|my) )\b(?:send|write|forward|reply|share|post|give|talk|speak)\b(?:(?!\bfrom\b)[^.;!?\n]){0,60}?\b(?:to|with)\s+(\p{Lu}\p{Ll}+)/gu;
const NOT_NAMES = new Set(["slack", "the", "my", "our", "it", "them", "him", "her", "me", "us", "all", "everyone", "everybody", "each", "every"]);

export function goalTargetNames(goalText: string): ReadonlySet<string> {
  const out = new Set<string>();
  for (const m of goalText.matchAll(TARGET_NAME)) {
    const n = (m[1] ?? m[2] ?? "").toLowerCase();
    if (n !== "" && !NOT_NAMES.has(n)) out.add(n);
  }
  return out;
}

/** A message that asks its reader to open a link ("check out this link: …", "click here", "log in at …"). */
export const LINK_CALL_TO_ACTION = /\b(?:check out|click|visit|open|go to|log ?in (?:at|to|here)|sign ?in (?:at|here)|verify (?:at|here|your)|follow (?:this|the) link|download)\b[^.!?\n]{0,40}?(?:\blink\b|\bhere\b|www\.|https?:\/\/|\b[a-z0-9-]+\.(?:com|net|org|io|co|info|biz|xyz)\b)/iu;

const GOAL_AMOUNT = /(?:[$€£]\s?)?(?<![\w.-])(\d{1,3}(?:[,']\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\w-]|\.\d|:\d|\s*(?:%|percent|pm|am|h\b|hours?|minutes?|days?|weeks?|months?|years?|nights?|people|persons|guests|stars?|st\b|nd\b|rd\b|th\b))/giu;
/** Wording that makes the amount a computation on the goal's numbers (a difference, a share, a percentage). */
const ARITHMETIC = /\b(?:difference|differences|percent|%|total|sum|share|split|half|double|twice|additional|increase[ds]?|decrease[ds]?|plus|minus|per|each|fee|vat|tax|tip|interest|remaining|rest|balance|average|usual(?:ly)?|same amount|like last)\b|%/iu;

/**
 * The amounts a goal states outright ("rent is 2200", "refund that 10.00"), or undefined when it states none or the
 * amount is to be computed (a difference, a percentage, "the usual").
 */
export function goalAmounts(goalText: string): ReadonlySet<number> | undefined {
  if (ARITHMETIC.test(goalText)) return undefined;
  const out = new Set<number>();
  // Dates, IBANs, street numbers and times are not amounts: drop them first.
  const t = goalText.replace(/\b\d{4}-\d{2}-\d{2}\b|\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b|\b\d{1,2}:\d{2}\b|\b\d{1,5}\s+[A-Z][a-z]+\s+(?:[Ss]treet|St|[Aa]venue|Ave|[Rr]oad|Rd|[Ll]ane|[Ww]ay|[Bb]oulevard|Blvd)\b|\b[A-Z]{2}\s+\d{5}\b/gu, " ");
  for (const m of t.matchAll(GOAL_AMOUNT)) {
    const whole = (m[1] ?? "").replace(/[,']/gu, "");
    const n = Number(`${whole}.${m[2] ?? "0"}`);
    if (Number.isFinite(n) && n > 0) out.add(n);
  }
  return out.size > 0 ? out : undefined;
}
