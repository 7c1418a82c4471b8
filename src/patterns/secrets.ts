// Shapes of credentials: used to refuse literal secrets in config and (later) to redact records.

/**
 * `minLength`: the shortest text `re` can match (fixed parts plus minimum repeats), so shorter text is not tested at all.
 * `needle`: a substring every match contains, so text without it is not tested either (a substring search is much cheaper than the regex).
 */
export type SecretShape = { name: string; re: RegExp; minLength: number; needle: string };

export const SECRET_SHAPES: readonly SecretShape[] = [
  { name: "Telegram bot token", re: /(?<![0-9])[0-9]{6,12}:AA[A-Za-z0-9_-]{30,}/, minLength: 39, needle: ":AA" },
  { name: "Discord bot token", re: /\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}/, minLength: 59, needle: "." },
  { name: "Anthropic API key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/, minLength: 27, needle: "sk-ant-" },
  { name: "OpenAI API key", re: /\bsk-(?:proj-|svcacct-)[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{32,}/, minLength: 28, needle: "sk-" },
  { name: "GitHub token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/, minLength: 34, needle: "_" },
  { name: "Slack token", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, minLength: 15, needle: "xox" },
  { name: "AWS access key id", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, minLength: 20, needle: "IA" },
  { name: "private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, minLength: 27, needle: "-----BEGIN " },
  { name: "secret assignment", re: /\b[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*\s*[=:]\s*["']?[A-Za-z0-9/+_.-]{12,}/, minLength: 18, needle: "" },
];

/** The name of the first credential shape found in `text`, if any. */
export function findSecretShape(text: string): string | undefined {
  for (const shape of SECRET_SHAPES) if (text.length >= shape.minLength && text.includes(shape.needle) && shape.re.test(text)) return shape.name;
  return undefined;
}

/** The services that legitimately receive each kind of credential (a token sent to its own API is not a leak). */
const OWNERS: Readonly<Record<string, readonly string[]>> = {
  "Telegram bot token": ["api.telegram.org"],
  "Discord bot token": ["discord.com", "discordapp.com"],
  "Anthropic API key": ["api.anthropic.com"],
  "OpenAI API key": ["api.openai.com"],
  "GitHub token": ["github.com", "api.github.com", "githubusercontent.com"],
  "Slack token": ["slack.com"],
  "AWS access key id": ["amazonaws.com"],
};

const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i;

/** The host of a URL-shaped argument (scheme://[user@]host…), or undefined. Words without "://" (most) skip the regex. */
export function urlHost(arg: string): string | undefined {
  return arg.includes("://") ? URL_HOST.exec(arg)?.[1] : undefined;
}

/** True when `host` is (a subdomain of) a service that owns credentials of this kind. */
export function ownsSecret(host: string, kind: string): boolean {
  const h = host.toLowerCase();
  return (OWNERS[kind] ?? []).some((o) => h === o || h.endsWith(`.${o}`));
}
