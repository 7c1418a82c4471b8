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
