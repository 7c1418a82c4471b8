// Lexical path resolution: `~`, `$HOME`, relative paths and `..`, without touching the filesystem.
import { posix } from "node:path";
import type { PathEnv } from "./types.ts";

export function lexicalPath(raw: string, env: PathEnv): string {
  let p = raw.replace(/^\$\{?HOME\}?(?=\/|$)/, env.home);
  if (p === "~" || p.startsWith("~/")) p = env.home + p.slice(1);
  return posix.normalize(posix.isAbsolute(p) ? p : posix.join(env.cwd, p));
}
