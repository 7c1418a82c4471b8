// Lexical path resolution: `~`, `$HOME`, relative paths and `..`, without touching the filesystem.
import { posix } from "node:path";
import type { PathEnv } from "./types.ts";

/** Absolute but not normalised: `..` is kept so the gate can resolve it after symlinks, as the kernel does. */
export function absolutePath(raw: string, env: PathEnv): string {
  let p = raw.replace(/^\$\{?HOME\}?(?=\/|$)/, env.home);
  if (p === "~" || p.startsWith("~/")) p = env.home + p.slice(1);
  else if (p.startsWith("~")) {
    // ~user/…: that user's home, beside ours (root's is /root).
    const m = /^~([a-z_][a-z0-9_-]*)(\/.*)?$/.exec(p);
    if (m) p = (m[1] === "root" ? "/root" : `${env.home.slice(0, env.home.lastIndexOf("/")) || ""}/${m[1]}`) + (m[2] ?? "");
  }
  return p.startsWith("/") ? p : `${env.cwd.replace(/\/+$/, "")}/${p}`;
}

export function lexicalPath(raw: string, env: PathEnv): string {
  return posix.normalize(absolutePath(raw, env));
}
