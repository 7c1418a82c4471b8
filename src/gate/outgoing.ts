// Outgoing-secret scan for calls that carry data off the machine: secretlint's recommended rules and the exact
// values of the operator's configured secrets (.env). Async; only runs for sending tools.
import { lintSource } from "../ops/secretlint.ts";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { ownsSecret, urlHost } from "../patterns/secrets.ts";
import type { Finding } from "../patterns/types.ts";

const CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };
const MAX_SCAN_CHARS = 65_536;

/** secretlint rule -> the credential kind our owner table knows (a token sent to its own service is fine). */
const KIND_BY_RULE: Readonly<Record<string, string>> = {
  "@secretlint/secretlint-rule-github": "GitHub token",
  "@secretlint/secretlint-rule-slack": "Slack token",
  "@secretlint/secretlint-rule-aws": "AWS access key id",
  "@secretlint/secretlint-rule-openai": "OpenAI API key",
  "@secretlint/secretlint-rule-anthropic": "Anthropic API key",
};

function urlHosts(strings: readonly string[]): string[] {
  return strings.map(urlHost).filter((h): h is string => h !== undefined);
}

/** `lint`: run secretlint too (sending tools); otherwise only the configured values are checked. */
export type OutgoingScan = { tool: string; strings: readonly string[]; secretValues: readonly string[]; lint: boolean };

/** A finding when a secret would leave; undefined when the text is clean. Scan failures escalate. */
export async function scanOutgoing(scan: OutgoingScan): Promise<Finding | undefined> {
  const configured = scan.secretValues.find((v) => scan.strings.some((s) => s.includes(v)));
  if (configured !== undefined) {
    return { ruleId: "exfil.secret-out", action: "block", reason: "The call would send one of the operator's configured secrets (from .env) out of this machine." };
  }
  const content = scan.strings.join("\n").slice(0, MAX_SCAN_CHARS);
  if (!scan.lint || content.trim() === "") return undefined;
  let messages: { ruleId: string }[];
  try {
    const result = await lintSource({ source: { filePath: "/outgoing.txt", content, contentType: "text" }, options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true } });
    messages = result.messages;
  } catch (err) {
    return { ruleId: "exfil.scan-failed", action: "escalate", reason: `The outgoing text could not be scanned for secrets (${(err as Error).message}).` };
  }
  const hosts = urlHosts(scan.strings);
  const fetches = /fetch|browser|navigate/.test(scan.tool);
  const leak = messages.find((m) => {
    const rule = m.ruleId.replace(/^@secretlint\/secretlint-rule-preset-recommend > /, "");
    if (fetches && /basicauth|database-connection-string/.test(rule)) return false; // credentials for the URL's own host
    const kind = KIND_BY_RULE[rule];
    return !(kind !== undefined && hosts.length > 0 && hosts.every((h) => ownsSecret(h, kind)));
  });
  if (!leak) return undefined;
  const rule = leak.ruleId.replace(/^.*secretlint-rule-/, "");
  return { ruleId: "exfil.secret-out", action: "block", reason: `The call would send a credential (secretlint: ${rule}) out of this machine.` };
}
