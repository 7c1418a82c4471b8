// Caddyfiles, read well enough to find global options, sites, TLS and redirects. Pure.
import { isIP } from "node:net";
import type { Vars } from "./interpolate.ts";
import type { Finding } from "./types.ts";

export type Token = { text: string; line: number };
export type Directive = { tokens: Token[]; line: number; children: Directive[] };
export type Site = { addresses: string[]; line: number; body: Directive[] };
export type Caddyfile = { global: Directive[]; sites: Site[] };

/** Split into lines of tokens: whitespace-separated, "quoted" and `backquoted` words, # comments. */
export function tokenize(text: string, vars: Vars): Token[][] {
  const lines: Token[][] = [];
  let current: Token[] = [];
  let line = 1;
  let i = 0;
  const flush = () => {
    if (current.length > 0) lines.push(current);
    current = [];
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\n") {
      flush();
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "\n") {
      // line continuation: the next line belongs to this one
      line++;
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const start = line;
    let word = "";
    if (c === '"' || c === "`") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\" && c === '"' && i + 1 < text.length) i++;
        if (text[i] === "\n") line++;
        word += text[i];
        i++;
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) word += text[i++];
    }
    current.push({ text: substitute(word, vars), line: start });
  }
  flush();
  return lines;
}

/** Caddy's parse-time environment placeholders: {$VAR} and {$VAR:default}. */
function substitute(word: string, vars: Vars): string {
  return word.replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_, name: string, def: string | undefined) => vars[name] ?? def ?? "");
}

function parseBlock(lines: Token[][], start: number): { items: Directive[]; next: number } {
  const items: Directive[] = [];
  let i = start;
  while (i < lines.length) {
    const toks = lines[i] as Token[];
    if (toks.length === 1 && toks[0]?.text === "}") return { items, next: i + 1 };
    const last = toks[toks.length - 1] as Token;
    if (last.text === "{") {
      const inner = parseBlock(lines, i + 1);
      items.push({ tokens: toks.slice(0, -1), line: (toks[0] as Token).line, children: inner.items });
      i = inner.next;
      continue;
    }
    // "directive { }" on one line, e.g. "header { }": treat the closing brace as an empty block.
    if (last.text === "}" && toks.length >= 2 && toks[toks.length - 2]?.text === "{") {
      items.push({ tokens: toks.slice(0, -2), line: (toks[0] as Token).line, children: [] });
      i++;
      continue;
    }
    items.push({ tokens: toks, line: (toks[0] as Token).line, children: [] });
    i++;
  }
  return { items, next: i };
}

export function parseCaddyfile(text: string, vars: Vars): Caddyfile {
  const top = parseBlock(tokenize(text, vars), 0).items;
  const global: Directive[] = [];
  const sites: Site[] = [];
  const braced = top.some((d) => d.children.length > 0 || d.tokens.length === 0);
  if (!braced && top.length > 0) {
    // A single site without braces: the first line is its address list.
    const [first, ...rest] = top as [Directive, ...Directive[]];
    sites.push({ addresses: addressesOf(first.tokens), line: first.line, body: rest });
    return { global, sites };
  }
  top.forEach((d, index) => {
    if (d.tokens.length === 0) {
      if (index === 0) global.push(...d.children);
      return;
    }
    const first = d.tokens[0]?.text ?? "";
    if (first.startsWith("(") && first.endsWith(")")) return; // snippet
    sites.push({ addresses: addressesOf(d.tokens), line: d.line, body: d.children });
  });
  return { global, sites };
}

function addressesOf(tokens: Token[]): string[] {
  return tokens.flatMap((t) => t.text.split(",")).map((a) => a.trim()).filter((a) => a !== "");
}

export type Address = { scheme: "http" | "https" | ""; host: string; port: string };

export function parseAddress(a: string): Address {
  let rest = a;
  let scheme: Address["scheme"] = "";
  const m = /^(https?):\/\//.exec(rest);
  if (m) {
    scheme = m[1] as "http" | "https";
    rest = rest.slice(m[0].length);
  }
  rest = rest.replace(/\/.*$/, "");
  let host = rest;
  let port = "";
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1] as string;
    port = v6[2] ?? "";
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = rest.slice(colon + 1);
    }
  }
  return { scheme, host, port };
}

function walk(ds: readonly Directive[], f: (d: Directive) => void): void {
  for (const d of ds) {
    f(d);
    walk(d.children, f);
  }
}

/** Does the site only redirect to https (redir https://…)? */
function redirectsToHttps(site: Site): boolean {
  let redirect = false;
  let other = false;
  for (const d of site.body) {
    const name = d.tokens[0]?.text;
    if (name === "redir" && d.tokens.some((t) => t.text.startsWith("https://"))) redirect = true;
    else if (name !== "log" && name !== "encode" && name !== "header") other = true;
  }
  return redirect && !other;
}

function hasHsts(site: Site): boolean {
  let found = false;
  walk(site.body, (d) => {
    const texts = d.tokens.map((t) => t.text.toLowerCase());
    if (texts.some((t) => t === "strict-transport-security" || t === "+strict-transport-security")) found = true;
  });
  return found;
}

function hasTlsDirective(site: Site): boolean {
  return site.body.some((d) => d.tokens[0]?.text === "tls");
}

/** A host name Caddy can get a certificate for and redirect automatically (not an IP, not empty, not a bare port). */
function isNamedHost(host: string): boolean {
  return host !== "" && isIP(host) === 0 && !host.includes("{");
}

export type ProxyFacts = { findings: Finding[]; publicSites: { url: string; host: string; file: string; line: number }[] };

/**
 * TLS and redirects: every site serves HTTPS (automatic HTTPS for a host name, or an explicit tls directive), HTTP
 * only redirects, auto_https is not switched off, HSTS is sent, and the admin API stays on localhost.
 */
export function examineCaddyfile(c: Caddyfile, rel: string): ProxyFacts {
  const findings: Finding[] = [];
  const publicSites: ProxyFacts["publicSites"] = [];
  let autoHttps = "on";
  for (const d of c.global) {
    const name = d.tokens[0]?.text;
    const arg = d.tokens[1]?.text ?? "";
    if (name === "auto_https") {
      autoHttps = arg;
      if (arg === "off" || arg === "disable_certs") findings.push({ severity: "fail", file: rel, line: d.line, message: `auto_https ${arg}: Caddy neither gets certificates nor redirects HTTP` });
    }
    if (name === "admin" && arg !== "off") {
      const host = parseAddress(arg).host;
      const local = arg.startsWith("unix/") || host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "[::1]";
      if (!local) findings.push({ severity: "fail", file: rel, line: d.line, message: `admin ${arg}: the admin API listens beyond localhost` });
    }
  }
  if (c.sites.length === 0) findings.push({ severity: "fail", file: rel, line: 1, message: "no site is defined" });
  const httpsHosts = new Set<string>();
  const redirectedHosts = new Set<string>();
  for (const site of c.sites) {
    if (site.addresses.length === 0) {
      findings.push({ severity: "fail", file: rel, line: site.line, message: "a site has no address (an unset {$VAR}?)" });
      continue;
    }
    const addrs = site.addresses.map(parseAddress);
    const onlyRedirect = redirectsToHttps(site);
    for (const a of addrs) {
      const plainHttp = a.scheme === "http" || (a.scheme === "" && a.port === "80");
      if (plainHttp) {
        if (onlyRedirect) redirectedHosts.add(a.host);
        else {
          findings.push({ severity: "fail", file: rel, line: site.line, message: `site ${site.addresses.join(", ")} serves plain HTTP instead of redirecting to HTTPS` });
          // Still a public endpoint, and monitored as such.
          const port = a.port === "" || a.port === "80" ? "" : `:${a.port}`;
          if (a.host !== "" && a.host !== "localhost") publicSites.push({ url: `http://${a.host}${port}`, host: a.host.toLowerCase(), file: rel, line: site.line });
        }
        continue;
      }
      const tls = isNamedHost(a.host) || a.host === "localhost" || hasTlsDirective(site) || a.scheme === "https";
      if (!tls) {
        findings.push({ severity: "fail", file: rel, line: site.line, message: `site ${site.addresses.join(", ")} has no TLS (no host name for automatic HTTPS and no tls directive)` });
        continue;
      }
      httpsHosts.add(a.host);
      if (!hasHsts(site)) findings.push({ severity: "warn", file: rel, line: site.line, message: `site ${site.addresses.join(", ")} sends no Strict-Transport-Security header` });
      const port = a.port === "" || a.port === "443" ? "" : `:${a.port}`;
      if (a.host !== "" && a.host !== "localhost") publicSites.push({ url: `https://${a.host}${port}`, host: a.host.toLowerCase(), file: rel, line: site.line });
    }
  }
  // Automatic redirects exist only for host names with auto_https on; otherwise an explicit http:// redirect site is needed.
  for (const host of httpsHosts) {
    const auto = autoHttps === "on" && isNamedHost(host);
    if (!auto && !redirectedHosts.has(host) && !redirectedHosts.has("")) {
      const site = c.sites.find((s) => s.addresses.some((x) => parseAddress(x).host === host));
      findings.push({ severity: "fail", file: rel, line: site?.line, message: `HTTPS site ${host || "(any host)"} has no HTTP->HTTPS redirect (auto_https ${autoHttps}; add an http:// site with redir https://{host}{uri})` });
    }
  }
  return { findings, publicSites };
}
