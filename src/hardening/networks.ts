// Compose networks: services on named bridge networks, data services only on internal ones, no LAN-attached drivers. Pure.
import { type ComposeFile, mergeServices } from "./compose.ts";
import type { Finding } from "./types.ts";

/** Images that serve data to the gateway and need no internet: they belong on `internal: true` networks only. */
const DATA_SERVICE = /(^|\/)(redis|valkey|postgres|mysql|mariadb|mongo|ollama|qdrant|chroma)(:|@|$)/;
const LAN_DRIVERS = new Set(["macvlan", "ipvlan", "host"]);

export function examineNetworks(files: readonly { file: ComposeFile; rel: string }[]): { findings: Finding[]; internal: string[] } {
  const findings: Finding[] = [];
  const services = mergeServices(files);
  const byName = services[0]?.networks ?? new Map();
  const internal = [...byName.values()].filter((n) => n.internal).map((n) => n.name);
  for (const { file, rel } of files) {
    for (const n of file.networks) {
      if (n.driver !== undefined && LAN_DRIVERS.has(n.driver)) findings.push({ severity: "fail", file: rel, line: n.line, message: `network ${n.name} uses driver ${n.driver}: its containers sit on the host's network, beyond any port publishing` });
    }
  }
  for (const { service: s, rel } of services) {
    if (s.networkMode !== undefined) continue; // host mode is ports.loopback's; service:/container: share another's
    if (s.networks.length === 0) {
      findings.push({ severity: "warn", file: rel, line: s.line, message: `service ${s.name} is on the project's default network; attach it to named bridge networks` });
      continue;
    }
    const open = s.networks.filter((n) => byName.get(n)?.internal !== true);
    if (s.image !== undefined && DATA_SERVICE.test(s.image) && open.length > 0) {
      findings.push({ severity: "warn", file: rel, line: s.line, message: `service ${s.name} (${s.image}) needs no egress but is on ${open.join(", ")}, which is not internal: true` });
    }
  }
  return { findings, internal };
}
