// Lexical path resolution: `~`, `$HOME`, relative paths and `..`, without touching the filesystem.
import { posix } from "node:path";
import type { PathEnv } from "./types.ts";

const HOME_VAR = /^\$\{?HOME\}?(?=\/|$)/;
const TRAILING_SLASHES = /\/+$/;
/** `//`, or a `.` or `..` segment: what posix.normalize would rewrite in an absolute path. */
const UNNORMAL = /\/\/|\/\.\.?(\/|$)/;

/** Absolute but not normalised: `..` is kept so the gate can resolve it after symlinks, as the kernel does. */
export function absolutePath(raw: string, env: PathEnv): string {
  let p = raw.startsWith("$") ? raw.replace(HOME_VAR, env.home) : raw;
  if (p === "~" || p.startsWith("~/")) p = env.home + p.slice(1);
  else if (p.startsWith("~")) {
    // ~user/…: that user's home, beside ours (root's is /root).
    const m = /^~([a-z_][a-z0-9_-]*)(\/.*)?$/.exec(p);
    if (m) p = (m[1] === "root" ? "/root" : `${env.home.slice(0, env.home.lastIndexOf("/")) || ""}/${m[1]}`) + (m[2] ?? "");
  }
  return p.startsWith("/") ? p : `${env.cwd.endsWith("/") ? env.cwd.replace(TRAILING_SLASHES, "") : env.cwd}/${p}`;
}

/** posix.normalize, skipped for the common absolute path that is already normal. */
export function normalisePath(absolute: string): string {
  return absolute.startsWith("/") && !UNNORMAL.test(absolute) ? absolute : posix.normalize(absolute);
}

export function lexicalPath(raw: string, env: PathEnv): string {
  return normalisePath(absolutePath(raw, env));
}

/**
 * The working directory as absolutePath joins words to it (trailing slashes removed), when that is "" or absolute and normal;
 * null otherwise.
 */
export function normalCwdBase(env: PathEnv): string | null {
  const base = env.cwd.endsWith("/") ? env.cwd.replace(TRAILING_SLASHES, "") : env.cwd;
  return base === "" || (base.startsWith("/") && !UNNORMAL.test(base)) ? base : null;
}

/**
 * normalisePath(absolute) where absolute = absolutePath(raw, env) and `base` = normalCwdBase(env). A word that is neither
 * absolute nor starts with `~` or `$` was joined to the working directory: when that is normal, the join is normal exactly when
 * the word has no empty, `.` or `..` segment, so the short word is scanned instead of the long path; `.` and a leading `./` are
 * dropped without posix.normalize.
 */
export function normaliseJoined(raw: string, absolute: string, base: string | null): string {
  const c = raw.charCodeAt(0);
  if (base !== null && c !== 0x2f && c !== 0x7e && c !== 0x24) {
    if (hasNormalSegments(raw, 0)) return absolute;
    if (c === 0x2e) {
      if (raw.length === 1) return base === "" ? "/" : base;
      if (raw.charCodeAt(1) === 0x2f && hasNormalSegments(raw, 2)) return `${base}/${raw.slice(2)}`;
    }
  }
  return normalisePath(absolute);
}

/** "/" + text.slice(from) has no `//` and no `.` or `..` segment (what UNNORMAL looks for). */
function hasNormalSegments(text: string, from: number): boolean {
  let start = from;
  for (let i = from; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 0x2f) continue;
    const length = i - start;
    // An empty segment is `//`, except the last one (a trailing slash, or nothing after the leading one).
    if (length === 0 && i < text.length) return false;
    if (length === 1 && text.charCodeAt(start) === 0x2e) return false;
    if (length === 2 && text.charCodeAt(start) === 0x2e && text.charCodeAt(start + 1) === 0x2e) return false;
    start = i + 1;
  }
  return true;
}
