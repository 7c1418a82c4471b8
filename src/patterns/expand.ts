// Static word expansion the shell would do before running a command: braces and known-binary globs.

const MAX_WORDS = 64;

/** Bash brace expansion of an unquoted word: a{b,c}d -> abd acd, {1..3} -> 1 2 3 (bounded). */
export function expandBraces(word: string): string[] {
  const open = findBrace(word);
  if (!open) return [word];
  const { start, end, alternatives } = open;
  const out: string[] = [];
  for (const alt of alternatives) {
    for (const rest of expandBraces(word.slice(0, start) + alt + word.slice(end + 1))) {
      out.push(rest);
      if (out.length >= MAX_WORDS) return out;
    }
  }
  return out;
}

function findBrace(word: string): { start: number; end: number; alternatives: string[] } | undefined {
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== "{" || (i > 0 && word[i - 1] === "$")) continue;
    let depth = 0;
    const commas: number[] = [];
    for (let j = i; j < word.length; j++) {
      const c = word[j];
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (depth === 0) {
          const body = word.slice(i + 1, j);
          if (commas.length > 0) {
            const parts: string[] = [];
            let from = i + 1;
            for (const k of commas) {
              parts.push(word.slice(from, k));
              from = k + 1;
            }
            parts.push(word.slice(from, j));
            return { start: i, end: j, alternatives: parts };
          }
          const range = /^(-?\d+|[a-zA-Z])\.\.(-?\d+|[a-zA-Z])$/.exec(body);
          if (range) return { start: i, end: j, alternatives: rangeValues(range[1] as string, range[2] as string) };
          break;
        }
      } else if (c === "," && depth === 1) commas.push(j);
    }
  }
  return undefined;
}

function rangeValues(a: string, b: string): string[] {
  const num = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
  const from = num ? Number(a) : a.charCodeAt(0);
  const to = num ? Number(b) : b.charCodeAt(0);
  const step = from <= to ? 1 : -1;
  const out: string[] = [];
  for (let v = from; out.length < MAX_WORDS; v += step) {
    out.push(num ? String(v) : String.fromCharCode(v));
    if (v === to) break;
  }
  return out;
}

/** Binaries an attacker would want to reach through a glob such as /???/r? or /usr/bin/c?rl. */
const BINARY_NAMES = [
  "rm", "cat", "curl", "wget", "nc", "ncat", "netcat", "socat", "sh", "bash", "dash", "zsh", "python", "python3", "perl",
  "ruby", "node", "php", "dd", "mkfs", "shred", "chmod", "chown", "base64", "xxd", "ssh", "scp", "rsync", "tar", "sudo", "su",
  "crontab", "systemctl", "kill", "pkill", "truncate", "find", "mv", "cp", "tee", "env", "printenv", "openssl", "telnet",
];
const BIN_DIRS = ["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin"];
const CANDIDATES = BIN_DIRS.flatMap((d) => BINARY_NAMES.map((n) => `${d}/${n}`)).concat(BINARY_NAMES);

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The known binaries a globbed command word can resolve to (empty when none). */
export function binariesMatching(glob: string): string[] {
  let re: RegExp;
  try {
    re = globToRegExp(glob);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const c of CANDIDATES) if (re.test(c)) names.add(c.slice(c.lastIndexOf("/") + 1));
  return [...names];
}
