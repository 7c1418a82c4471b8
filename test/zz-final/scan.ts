// The suite's secret scan: every audit, log and memory file under a root, checked for the configured secret values
// (exact occurrence), our own credential shapes (bot tokens, which secretlint has no rule for) and secretlint's
// recommended rules. A finding names file, line and rule — never the secret.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { parse as parseDotenv } from "dotenv";
import { SECRET_SHAPES } from "../../src/patterns/secrets.ts";

export type FileKind = "audit" | "log" | "memory";
export type Target = { path: string; rel: string; kind: FileKind; bytes: number };
/** A configured secret and where it was configured (file:KEY), so a finding can say which one leaked without showing it. */
export type Secret = { value: string; source: string };
export type Finding = { file: string; kind: FileKind; line: number; rule: string; source?: string };
export type ScanResult = { findings: Finding[]; files: number; bytes: number; ms: number; lintMs: number; incomplete?: string };

/** The same threshold the config loader uses for .env values (src/config/load.ts). */
const MIN_SECRET = 8;
const SKIP_DIRS = new Set(["node_modules", ".git"]);
const MAX_DEPTH = 24;
/** secretlint gets at most this much text per call; chunks end at line ends. */
const CHUNK_CHARS = 1_000_000;
const LINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
const SECRET_KEY = /(?:token|secret|password|passwd|api[_-]?key)$/i;
const SHAPES = SECRET_SHAPES.map((s) => ({ rule: `shape:${s.name.replace(/\s+/g, "-").toLowerCase()}`, re: new RegExp(s.re.source, s.re.flags.includes("g") ? s.re.flags : `${s.re.flags}g`) }));

/** Every regular file under `root` (symlinks not followed), skipping node_modules, .git and `skip` top-level names. */
export function listFiles(root: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !(depth === 0 && skip.includes(e.name))) walk(p, depth + 1);
      } else if (e.isFile()) out.push(p);
    }
  };
  walk(root, 0);
  return out.sort();
}

function firstLine(path: string): string {
  try {
    const text = readFileSync(path, "utf8");
    const nl = text.indexOf("\n");
    return nl < 0 ? text : text.slice(0, nl);
  } catch {
    return "";
  }
}

/** Audit records (ours: seq/prev/hash JSONL, day files, quarantined tails), logs (*.log, JSONL under logs/), memory notes. */
export function classify(path: string, root: string): FileKind | undefined {
  const rel = relative(root, path);
  const parts = rel.split(sep);
  const name = parts[parts.length - 1] ?? "";
  const dirs = parts.slice(0, -1);
  if (/\.log(\.\d+)?$/.test(name)) return "log";
  if (name === "MEMORY.md" || name === "memory.md" || (extname(name) === ".md" && dirs.includes("memory"))) return "memory";
  if (dirs.includes("quarantine")) return "audit";
  if (extname(name) !== ".jsonl") return undefined;
  if (DAY_FILE.test(name)) return "audit";
  if (dirs.includes("logs")) return "log";
  try {
    const first = JSON.parse(firstLine(path)) as Record<string, unknown>;
    if (typeof first === "object" && first !== null && "prev" in first && "hash" in first && "seq" in first) return "audit";
  } catch {
    // not JSON: not one of ours
  }
  return undefined; // e.g. OpenClaw session transcripts: the conversation itself, not a log we write
}

export function findTargets(root: string, skip: readonly string[] = []): Target[] {
  const out: Target[] = [];
  for (const path of listFiles(root, skip)) {
    const kind = classify(path, root);
    if (kind !== undefined) out.push({ path, rel: relative(root, path), kind, bytes: statSync(path).size });
  }
  return out;
}

function isEnvFile(name: string): boolean {
  return name.startsWith(".env") && !/\.(example|sample|template|dist)$/.test(name);
}

function configSecrets(value: unknown, path: string, source: string, out: Secret[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => configSecrets(v, `${path}.${i}`, source, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = path === "" ? k : `${path}.${k}`;
      if (typeof v === "string" && SECRET_KEY.test(k) && v.length >= MIN_SECRET && !v.includes("${")) out.push({ value: v, source: `${source}:${p}` });
      else configSecrets(v, p, source, out);
    }
  }
}

/**
 * The configured set: every value (8+ chars) of every .env file under `root`, secret-named strings in OpenClaw
 * configs there (gateway token, provider keys), and `secretValues: [...]` literals in test sources under `testDir`.
 */
export function collectSecrets(root: string, testDir?: string, skip: readonly string[] = []): Secret[] {
  const out: Secret[] = [];
  for (const path of listFiles(root, skip)) {
    const name = path.slice(path.lastIndexOf(sep) + 1);
    const rel = relative(root, path);
    try {
      if (isEnvFile(name)) {
        for (const [k, v] of Object.entries(parseDotenv(readFileSync(path, "utf8")))) if (v.length >= MIN_SECRET) out.push({ value: v, source: `${rel}:${k}` });
      } else if (name === "openclaw.json") {
        configSecrets(JSON.parse(readFileSync(path, "utf8")) as unknown, "", rel, out);
      }
    } catch {
      // half-written or unreadable config: its values were never loaded either
    }
  }
  if (testDir !== undefined) {
    for (const path of listFiles(testDir)) {
      if (!/\.[cm]?ts$/.test(path)) continue;
      const text = readFileSync(path, "utf8");
      for (const m of text.matchAll(/secretValues\s*:\s*\[([^\]]*)\]/g)) {
        for (const s of (m[1] ?? "").matchAll(/"([^"\\\n]+)"|'([^'\\\n]+)'/g)) {
          const v = s[1] ?? s[2] ?? "";
          if (v.length >= MIN_SECRET) out.push({ value: v, source: `${relative(testDir, path)}:secretValues` });
        }
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((s) => !seen.has(s.value) && seen.add(s.value));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Line number (1-based) of each offset, for offsets given in increasing order. */
function lineCounter(text: string): (offset: number) => number {
  let pos = 0;
  let line = 1;
  return (offset) => {
    for (; pos < offset; pos++) if (text.charCodeAt(pos) === 10) line++;
    return line;
  };
}

function chunksOf(text: string): { text: string; firstLine: number }[] {
  const out: { text: string; firstLine: number }[] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = Math.min(text.length, start + CHUNK_CHARS);
    if (end < text.length) {
      const nl = text.lastIndexOf("\n", end);
      if (nl > start) end = nl + 1;
    }
    const chunk = text.slice(start, end);
    out.push({ text: chunk, firstLine: line });
    for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) === 10) line++;
    start = end;
  }
  return out;
}

/** Scan `targets`; secretlint stops (and the result says so) once `budgetMs` is spent. */
export async function scanTargets(targets: readonly Target[], secrets: readonly Secret[], budgetMs: number): Promise<ScanResult> {
  const started = performance.now();
  const findings: Finding[] = [];
  const sorted = [...secrets].sort((a, b) => b.value.length - a.value.length);
  const sourceOf = new Map(sorted.map((s) => [s.value, s.source]));
  const exact = sorted.length === 0 ? undefined : new RegExp(sorted.map((s) => escapeRegExp(s.value)).join("|"), "g");
  let bytes = 0;
  let lintMs = 0;
  let incomplete: string | undefined;
  for (const t of targets) {
    let text: string;
    try {
      text = readFileSync(t.path, "utf8");
    } catch {
      continue; // removed meanwhile
    }
    bytes += t.bytes;
    const seen = new Set<string>();
    const add = (f: Finding) => {
      const key = `${f.line}\0${f.rule}\0${f.source ?? ""}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push(f);
      }
    };
    if (exact !== undefined) {
      const lineAt = lineCounter(text);
      for (const m of text.matchAll(exact)) {
        const source = sourceOf.get(m[0]);
        add({ file: t.rel, kind: t.kind, line: lineAt(m.index), rule: "configured-secret", ...(source === undefined ? {} : { source }) });
      }
    }
    for (const shape of SHAPES) {
      const lineAt = lineCounter(text);
      for (const m of text.matchAll(shape.re)) add({ file: t.rel, kind: t.kind, line: lineAt(m.index), rule: shape.rule });
    }
    if (incomplete !== undefined) continue;
    for (const chunk of chunksOf(text)) {
      if (performance.now() - started > budgetMs) {
        incomplete = `secretlint stopped at ${t.rel} after ${budgetMs} ms`;
        break;
      }
      const lintStart = performance.now();
      const result = await lintSource({
        source: { filePath: `/${t.rel}`, content: chunk.text, contentType: "text" },
        options: { config: LINT_CONFIG, maskSecrets: true, noPhysicFilePath: true },
      });
      lintMs += performance.now() - lintStart;
      for (const m of result.messages) {
        add({ file: t.rel, kind: t.kind, line: chunk.firstLine + m.loc.start.line - 1, rule: `secretlint:${m.ruleId.replace(/^.*secretlint-rule-/, "")}` });
      }
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
  return { findings, files: targets.length, bytes, ms: Math.round(performance.now() - started), lintMs: Math.round(lintMs), ...(incomplete === undefined ? {} : { incomplete }) };
}

/** One line per finding; by construction it carries no secret text. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.kind} file: ${f.rule}${f.source === undefined ? "" : ` (the value of ${f.source})`}`;
}
