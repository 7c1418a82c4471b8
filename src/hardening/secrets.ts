// Credential literals in config and source files: known token shapes and secret-named keys holding literal values. Pure scan + a bounded walk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";

export type SecretHit = { kind: string; line: number; length: number };

const SHAPES: readonly { kind: string; re: RegExp }[] = [
  { kind: "Telegram bot token", re: /(?<![0-9])[0-9]{8,10}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  { kind: "Discord bot token", re: /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}/g },
  { kind: "Anthropic API key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "OpenAI API key", re: /\bsk-(?:proj-|svcacct-)[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{20,}/g },
  { kind: "GitHub token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { kind: "AWS access key id", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: "Slack token", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: "private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g },
];

/** key: "value", key = 'value', KEY=value, "key": "value" — for keys ending in token, apiKey, password, secret. */
const KEYED = /(?<![A-Za-z0-9])([A-Za-z0-9_-]*(?:token|api[_-]?key|password|passwd|secret))["']?\s*[:=]\s*(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`|([^\s,#;}\]]+))/gi;

/** Values that stand for a secret without being one. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 8) return true;
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}?$/.test(v)) return true; // ${VAR}, $VAR, ${VAR:-x}
  if (/^\{\$[A-Za-z_][A-Za-z0-9_]*\}$/.test(v)) return true; // Caddy {$VAR}
  if (/[$*]/.test(v)) return true; // built at run time ("$(gen)", "${A}${B}") or a pattern, not a literal
  if (/^(?:process\.env|import\.meta\.env|env)[.[]/.test(v) || /^<[^>]+>$/.test(v)) return true;
  if (/^(?:replace|change|your|example|placeholder|dummy|xxx|todo|set-|put-|insert|fill|redacted)/i.test(v)) return true;
  if (/^(?:true|false|null|undefined|none|token|password|secret)$/i.test(v)) return true;
  if (/^[a-z]+:\/\/[^:@/]*\/?/.test(v) && !/:[^/@]+@/.test(v)) return true; // a URL without credentials
  if (/^(?:\/|\.\/|~\/)[^\s]*$/.test(v)) return true; // a file path (tokenFile-style references)
  return false;
}

/** Every credential literal in `text`, by line; never the value itself. */
export function scanText(text: string, code = false): SecretHit[] {
  const hits: SecretHit[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const taken = new Set<number>();
  for (const { kind, re } of SHAPES) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const line = lineAt(m.index);
      if (taken.has(line)) continue;
      taken.add(line);
      hits.push({ kind, line, length: m[0].length });
    }
  }
  KEYED.lastIndex = 0;
  for (const m of text.matchAll(KEYED)) {
    // In program code an unquoted value is an expression (config.apiKey), not a literal.
    if (code && m[5] !== undefined) continue;
    const value = m[2] ?? m[3] ?? m[4] ?? m[5] ?? "";
    const line = lineAt(m.index);
    if (taken.has(line) || isPlaceholder(value)) continue;
    taken.add(line);
    hits.push({ kind: `literal value of ${m[1]}`, line, length: value.length });
  }
  return hits.sort((a, b) => a.line - b.line);
}

const SOURCE_EXT = /\.(?:json|json5|jsonc|ya?ml|toml|ini|conf|cfg|properties|ts|mts|cts|js|mjs|cjs|tsx|jsx|py|rb|go|sh|bash|php|xml)$/i;
const CODE_EXT = /\.(?:ts|mts|cts|js|mjs|cjs|tsx|jsx|py|rb|go|php)$/i;
const SKIP_DIRS = new Set(["node_modules", ".git", ".build", "dist", "coverage"]);

/** Config and source files worth scanning: by extension, plus Caddyfile, Dockerfile and .env templates; never a real .env. */
export function isScannable(name: string): boolean {
  if (name === ".env" || (/^\.env(\.|$)/.test(name) && !isEnvTemplate(name))) return false;
  if (isEnvTemplate(name)) return true;
  return SOURCE_EXT.test(name) || /^(?:Caddyfile|Dockerfile|Containerfile)(\..*)?$/.test(name) || name.endsWith(".caddyfile");
}

export function isEnvTemplate(name: string): boolean {
  return /^\.env.*\.(?:example|sample|template|dist)$/.test(name) || /^(?:env|dot)\.example$/.test(name);
}

/** Files under `root` to scan (bounded: depth 8, 5000 files, 1 MB each), skipping `skipDirs` (absolute). */
export function listScannable(root: string, skipDirs: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || out.length >= 5000 || skipDirs.has(dir)) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p, depth + 1);
      } else if (e.isFile() && isScannable(e.name)) {
        try {
          if (statSync(p).size <= 1_000_000) out.push(p);
        } catch {
          // vanished
        }
      }
    }
  };
  walk(root, 0);
  return out;
}

export type FileHit = SecretHit & { file: string };

export function scanFiles(files: readonly string[], relTo: string): FileHit[] {
  const hits: FileHit[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    if (text.includes("\0")) continue;
    const rel = relative(relTo, f) || basename(f);
    for (const h of scanText(text, CODE_EXT.test(f))) hits.push({ ...h, file: rel.startsWith("..") ? f : rel });
  }
  return hits;
}
