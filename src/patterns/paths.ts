// Lexical path resolution: `~`, `$HOME`, relative paths and `..`, without touching the filesystem.
import { posix } from "node:path";
import type { PathEnv } from "./types.ts";

const HOME_VAR = /^\$\{?HOME\}?(?=\/|$)/;
const TRAILING_SLASHES = /\/+$/;
/** `//`, or a `.` or `..` segment: what posix.normalize would rewrite in an absolute path. */
const UNNORMAL = /\/\/|\/\.\.?(\/|$)/;

/** Absolute but not normalised: `..` is kept so the gate can resolve it after symlinks, as the kernel does. */
export function absolutePath(raw: string, env: PathEnv): string {
  let p = raw;
  if (raw.charCodeAt(0) === 0x24) {
    const end = homeVarEnd(raw);
    // A `$` in home would act as a replacement pattern in String.replace: left to it, as before.
    if (end > 0) p = env.home.includes("$") ? raw.replace(HOME_VAR, env.home) : env.home + raw.slice(end);
  }
  if (p === "~" || p.startsWith("~/")) p = env.home + p.slice(1);
  else if (p.startsWith("~")) {
    // ~user/…: that user's home, beside ours (root's is /root).
    const m = /^~([a-z_][a-z0-9_-]*)(\/.*)?$/.exec(p);
    if (m) p = (m[1] === "root" ? "/root" : `${env.home.slice(0, env.home.lastIndexOf("/")) || ""}/${m[1]}`) + (m[2] ?? "");
  }
  return p.startsWith("/") ? p : `${env.cwd.endsWith("/") ? env.cwd.replace(TRAILING_SLASHES, "") : env.cwd}/${p}`;
}

/**
 * The length of what HOME_VAR matches at the start of `raw` ("$HOME" or "${HOME", then an optional "}", then "/" or the end), 0 when
 * it does not. Taking the "}" when there is one is exact: without it the next character would be "}", neither "/" nor the end.
 */
function homeVarEnd(raw: string): number {
  let i = raw.charCodeAt(1) === 0x7b ? 2 : 1;
  if (!raw.startsWith("HOME", i)) return 0;
  i += 4;
  if (raw.charCodeAt(i) === 0x7d) i++;
  return i === raw.length || raw.charCodeAt(i) === 0x2f ? i : 0;
}

/** posix.normalize, skipped for the common absolute path that is already normal. */
export function normalisePath(absolute: string): string {
  return absolute.startsWith("/") && !UNNORMAL.test(absolute) ? absolute : posix.normalize(absolute);
}

export function lexicalPath(raw: string, env: PathEnv): string {
  return normalisePath(absolutePath(raw, env));
}

/**
 * What absolutePath joins words to, when it is normal: `cwd` with trailing slashes removed ("" or absolute and normal), `home`
 * when absolute, normal, without a trailing slash and without `$`; null where it is not. Worked out once per analysis.
 */
export type NormalBases = { readonly cwd: string | null; readonly home: string | null };

/** The last answer of normalBases: one gate serves one home and a few working directories, so most analyses ask the same again. */
let lastBases: { cwd: string; home: string; bases: NormalBases } | undefined;

export function normalBases(env: PathEnv): NormalBases {
  const last = lastBases;
  if (last !== undefined && last.cwd === env.cwd && last.home === env.home) return last.bases;
  const bases = computeNormalBases(env);
  lastBases = { cwd: env.cwd, home: env.home, bases };
  return bases;
}

function computeNormalBases(env: PathEnv): NormalBases {
  const cwd = env.cwd.endsWith("/") ? env.cwd.replace(TRAILING_SLASHES, "") : env.cwd;
  const home = env.home;
  return {
    // For a path starting with "/", hasNormalSegments(path, 1) is !UNNORMAL.test(path), without a regex.
    cwd: cwd === "" || (cwd.startsWith("/") && hasNormalSegments(cwd, 1)) ? cwd : null,
    // A `$` in home would act as a replacement pattern in absolutePath's $HOME substitution.
    home: home.startsWith("/") && !home.endsWith("/") && !home.includes("$") && hasNormalSegments(home, 1) ? home : null,
  };
}

/**
 * normalisePath(absolute) where absolute = absolutePath(raw, env) and `bases` = normalBases(env). A normal base joined with
 * "/" and the rest of the word is normal exactly when "/" + that rest has no empty, `.` or `..` segment, so the short word is
 * scanned instead of the long path: a relative word (joined to cwd; `.` and a leading `./` are dropped), `~`, `~/…`, `$HOME/…`
 * and `${HOME}/…` (joined to home). Anything else goes to posix.normalize.
 */
export function normaliseJoined(raw: string, absolute: string, bases: NormalBases): string {
  const c = raw.charCodeAt(0);
  if (c === 0x7e) {
    if (bases.home !== null && (raw.length === 1 || raw.charCodeAt(1) === 0x2f) && hasNormalSegments(raw, 2)) return absolute;
  } else if (c === 0x24) {
    const rest = raw.startsWith("$HOME/") ? 6 : raw.startsWith("${HOME}/") ? 8 : 0;
    if (bases.home !== null && rest > 0 && hasNormalSegments(raw, rest)) return absolute;
  } else if (c !== 0x2f && bases.cwd !== null) {
    const base = bases.cwd;
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
