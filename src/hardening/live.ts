// Listening sockets of this host (/proc/net/{tcp,tcp6,udp,udp6}, else `ss`), and which of the deployment's are off loopback.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isLoopbackAddress } from "./ports.ts";
import type { Finding } from "./types.ts";

export type Listener = { protocol: "tcp" | "udp"; address: string; port: number };

function hexToIpv4(hex: string): string {
  // The kernel prints the address as a host-order u32: on little-endian machines the bytes come reversed.
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return (LITTLE_ENDIAN ? bytes.reverse() : bytes).join(".");
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function hexToIpv6(hex: string): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = [0, 2, 4, 6].map((i) => word.slice(i, i + 2));
    const ordered = LITTLE_ENDIAN ? bytes.reverse() : bytes;
    groups.push(`${ordered[0]}${ordered[1]}`, `${ordered[2]}${ordered[3]}`);
  }
  const full = groups.map((g) => g.replace(/^0+(?=.)/, "").toLowerCase());
  const v4mapped = full.slice(0, 5).every((g) => g === "0") && full[5] === "ffff";
  if (v4mapped) {
    const b = hex.slice(24, 32);
    return `::ffff:${hexToIpv4(b)}`;
  }
  return compressIpv6(full);
}

function compressIpv6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** Parse one /proc/net/{tcp,tcp6,udp,udp6} table: TCP sockets in LISTEN, unconnected bound UDP sockets. */
export function parseProcNet(text: string, protocol: "tcp" | "udp", ipv6: boolean): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const [local, remote, state] = [cols[1] as string, cols[2] as string, cols[3] as string];
    const listening = protocol === "tcp" ? state === "0A" : state === "07" && remote.endsWith(":0000");
    if (!listening) continue;
    const [addrHex, portHex] = local.split(":") as [string, string];
    const address = ipv6 ? hexToIpv6(addrHex) : hexToIpv4(addrHex);
    out.push({ protocol, address, port: Number.parseInt(portHex, 16) });
  }
  return out;
}

/** Parse `ss -H -l -n -t -u` output ("tcp LISTEN 0 511 0.0.0.0:8080 0.0.0.0:*"). */
export function parseSs(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const protocol = cols[0] === "tcp" ? "tcp" : cols[0] === "udp" ? "udp" : undefined;
    if (!protocol) continue;
    const local = cols[4] as string;
    const colon = local.lastIndexOf(":");
    let address = local.slice(0, colon).replace(/^\[|\]$/g, "").replace(/%.*$/, "");
    if (address === "*") address = "::";
    out.push({ protocol, address, port: Number(local.slice(colon + 1)) });
  }
  return out;
}

export type ListenerRead = { ok: true; listeners: Listener[]; source: string } | { ok: false; error: string };

/** This host's listening sockets (the network namespace of this process). */
export function readListeners(procRoot = "/proc"): ListenerRead {
  const tables: [string, "tcp" | "udp", boolean][] = [["tcp", "tcp", false], ["tcp6", "tcp", true], ["udp", "udp", false], ["udp6", "udp", true]];
  const listeners: Listener[] = [];
  let read = 0;
  for (const [name, protocol, v6] of tables) {
    try {
      listeners.push(...parseProcNet(readFileSync(`${procRoot}/net/${name}`, "utf8"), protocol, v6));
      read++;
    } catch {
      // IPv6 disabled, or no /proc: try the next table, then ss.
    }
  }
  if (read > 0) return { ok: true, listeners, source: `${procRoot}/net/{tcp,tcp6,udp,udp6}` };
  try {
    return { ok: true, listeners: parseSs(execFileSync("ss", ["-H", "-l", "-n", "-t", "-u"], { encoding: "utf8", timeout: 5000 })), source: "ss -Hlntu" };
  } catch (err) {
    return { ok: false, error: `neither ${procRoot}/net/tcp nor ss could be read (${(err as Error).message.split("\n")[0]})` };
  }
}

export function formatListener(l: Listener): string {
  return `${l.protocol} ${l.address.includes(":") ? `[${l.address}]` : l.address}:${l.port}`;
}

/** Listeners on the deployment's ports that are not on loopback, except the reverse proxy's deliberate public ports. */
export function examineListeners(listeners: readonly Listener[], ports: readonly { port: number; protocol: string }[], allowedPublic: ReadonlySet<string>): Finding[] {
  const wanted = new Set(ports.map((p) => `${p.protocol}/${p.port}`));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const l of listeners) {
    const key = `${l.protocol}/${l.port}`;
    if (!wanted.has(key) || isLoopbackAddress(l.address) || allowedPublic.has(key)) continue;
    const text = formatListener(l);
    if (seen.has(text)) continue;
    seen.add(text);
    findings.push({ severity: "fail", message: `live: ${text} is listening on a non-loopback address` });
  }
  return findings;
}
