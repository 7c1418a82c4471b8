// Path classes the rules reason about: system, home, workspace, temp, protected. Pure string logic.
import type { PathRef } from "../patterns/types.ts";
import type { HostPaths } from "./types.ts";

export function isWithin(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

const SYSTEM_ROOTS = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/dev", "/sys", "/proc", "/var", "/opt", "/srv", "/root", "/snap", "/run", "/mnt", "/media", "/home"];
const TEMP_ROOTS = ["/tmp", "/var/tmp", "/dev/shm"];
const HARMLESS_DEVICES = /^\/dev\/(null|zero|u?random|stdout|stderr|stdin|tty|fd\/[0-9]+)$/;
export const DISK_DEVICE = /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme[0-9]|mmcblk[0-9]|disk|md[0-9]|dm-[0-9]|mapper\/|loop[0-9])/;

export type PathClass =
  | "root" | "system" | "device" | "harmless-device" | "temp" | "home-root" | "home-sensitive"
  | "home-other" | "workspace-root" | "workspace-inner" | "project-root" | "project-inner" | "other";

/** The directory a broad operation really covers: `a/b/*` covers `a/b`. */
export function effectiveTarget(p: PathRef): string {
  const path = p.real ?? p.lexical;
  if (!/[*?[]/.test(path)) return path;
  const segments = path.split("/");
  const i = segments.findIndex((s) => /[*?[]/.test(s));
  return segments.slice(0, i).join("/") || "/";
}

export function classifyPath(path: string, host: HostPaths, projectDir?: string): PathClass {
  if (path === "/") return "root";
  if (HARMLESS_DEVICES.test(path)) return "harmless-device";
  if (DISK_DEVICE.test(path)) return "device";
  if (path === host.workspace) return "workspace-root";
  if (isWithin(path, host.workspace)) return "workspace-inner";
  if (projectDir && projectDir !== host.home && isWithin(projectDir, host.home)) {
    const rel = projectDir.slice(host.home.length + 1);
    if (!rel.startsWith(".")) {
      if (path === projectDir) return "project-root";
      if (isWithin(path, projectDir)) return "project-inner";
    }
  }
  // Home before temp: a home directory under /tmp (containers, CI) is still a home directory.
  if (path === host.home) return "home-root";
  if (isWithin(path, host.home)) {
    const first = path.slice(host.home.length + 1).split("/")[0] ?? "";
    return first.startsWith(".") ? "home-sensitive" : "home-other";
  }
  if (TEMP_ROOTS.some((t) => isWithin(path, t))) return "temp";
  if (SYSTEM_ROOTS.some((r) => isWithin(path, r))) return "system";
  return "other";
}

// Does a glob path (such as ~/.o*/o*.json) reach `target` or a path below it? Segment by segment.
function globReaches(glob: string, target: string): boolean {
  const g = glob.split("/");
  const t = target.split("/");
  const n = Math.min(g.length, t.length);
  for (let i = 0; i < n; i++) {
    const seg = g[i] as string;
    if (seg === "**") return true;
    const re = new RegExp(`^${seg.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    if (!re.test(t[i] as string)) return false;
  }
  return g.length >= t.length;
}

export function isProtected(p: PathRef, host: HostPaths): boolean {
  const candidates = [p.lexical, ...(p.real ? [p.real] : [])];
  if (candidates.some((c) => /(^|\/)openclaw\.json(\.[a-z0-9]+)?$/i.test(c))) return true;
  if (/[*?]/.test(p.lexical)) {
    if (candidates.some((c) => host.protectedPaths.some((root) => globReaches(c, root)))) return true;
  }
  return host.protectedPaths.some((root) => candidates.some((c) => isWithin(c, root) || isWithin(effectiveTarget({ ...p, real: c }), root)));
}
