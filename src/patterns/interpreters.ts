// Interpreter one-liners (python -c, node -e, perl -e, ruby -e, php -r, awk): what the code spawns, fetches, reads, writes, deletes.
import type { Finding, PathAccess } from "./types.ts";

const SPAWN = /\b(os\.(system|popen|exec\w*|spawn\w*)|subprocess\.\w+|pty\.spawn|commands\.getoutput|child_process|execSync|spawnSync|execFileSync|\bspawn\s*\(|\bexec\s*\(|\bsystem\s*\(|shell_exec|passthru|proc_open|popen|IO\.popen|Kernel\.(system|exec|spawn)|%x\{|`[^`]+`|\bexec\s+sprintf|\bexec\s*["'])/;
const NETWORK = /\b(socket|urllib|urlopen|requests\.(get|post|put)|http\.client|httpx|aiohttp|fetch\s*\(|https?\.(get|request)|net\.(connect|createConnection|Socket)|TCPSocket|fsockopen|stream_socket_client|LWP|IO::Socket|Net::HTTP|open-uri|URI\.open|curl|wget|file_get_contents\s*\(\s*["']https?:)|\/inet\/(tcp|udp)\//;
const REVERSE = /\bdup2\b|pty\.spawn|fileno\(\)|<&\s*%?d|<&3|>&3|\/bin\/(ba)?sh\s+-i|\bsh\s+-i|stdin\s*=\s*s\b|\.pipe\s*\(\s*\w+\.stdin\)|\|&|\/inet\/(tcp|udp)\//;
const DECODE = /\b(b64decode|base64|fromhex|bytes\.fromhex|codecs\.decode|atob\s*\(|Buffer\.from\s*\([^)]*['"](base64|hex)['"]|pack\s*\(\s*["']H\*|decode_base64|unpack|fromCharCode|chr\s*\(\s*\d+\s*\)\s*[.+])|\\x[0-9a-fA-F]{2}.*\\x[0-9a-fA-F]{2}/;
const FORK_LOOP = /\b(while|for|loop|until)\b[^\n]{0,80}\bfork\b|\bfork\b\s+while\s+fork|os\.fork\(\)[^\n]{0,40}os\.fork\(\)/;
const ENV_PRINT = /\b(print|console\.log|puts|echo|print_r|var_dump|p)\b[^\n]{0,20}(os\.environ|process\.env|ENV|\$_ENV|getenv\(\))|^\s*(process\.env|os\.environ|dict\(os\.environ\))\s*$/;
const KEYRING = /\bkeyring\.get_password|\bSecItemCopyMatching|\bkeytar\.getPassword|\bsecretstorage\b/;
const SECRET_PATH = /(\.ssh\/id_|\.aws\/credentials|\.netrc|\.git-credentials|\.docker\/config\.json|\.kube\/config|\/etc\/shadow|\.gnupg|\.env\b|os\.environ|process\.env|\$ENV|ENV\[)/;

/** String literals of the code, with literal concatenations ('r'+'m -rf') joined. */
export function stringLiterals(code: string): string[] {
  const joined = code.replace(/(["'])\s*(\+|\.)\s*(["'])/g, "");
  const out: string[] = [];
  for (const m of joined.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)) {
    const s = (m[1] ?? m[2] ?? "").replace(/\\(["'\\])/g, "$1");
    if (s.length > 0) out.push(s);
  }
  return out;
}

/** Common ways code spells the home directory, rewritten to `~` so paths resolve. */
function homeSpellings(code: string): string {
  return code
    .replace(/require\(\s*["'](node:)?(\w+)["']\s*\)/g, "$2")
    .replace(/(process\.env\.HOME|os\.homedir\(\)|os\.environ\[\s*["']HOME["']\s*\]|os\.getenv\(\s*["']HOME["']\s*\)|ENV\[\s*["']HOME["']\s*\]|\$ENV\{HOME\})\s*[+.]\s*["']/g, "'~")
    .replace(/os\.path\.expanduser\(\s*["']~([^"']*)["']\s*\)/g, "'~$1'")
    .replace(/os\.path\.join\(\s*os\.path\.expanduser\(\s*["']~["']\s*\)\s*,\s*["']([^"']*)["']\s*\)/g, "'~/$1'");
}

export type InlinePath = { path: string; access: PathAccess; broad: boolean };
export type InterpreterAnalysis = { findings: Finding[]; shellSnippets: string[]; paths: InlinePath[] };

/** Which interpreters take inline code with which flag. */
export function inlineCode(name: string, args: readonly string[]): string | undefined {
  if (name === "awk" || name === "gawk" || name === "mawk" || name === "nawk") {
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-f") return undefined;
      if (/^-[vF]$/.test(a)) {
        i++;
        continue;
      }
      if (!a.startsWith("-")) return a;
    }
    return undefined;
  }
  const flags =
    /^python[0-9.]*$/.test(name) ? ["-c"] :
    name === "node" || name === "nodejs" || name === "bun" || name === "deno" ? ["-e", "--eval", "-p", "--print", "eval"] :
    /^perl[0-9.]*$/.test(name) ? ["-e", "-E"] :
    name === "ruby" ? ["-e"] :
    name === "php" ? ["-r"] :
    name === "lua" ? ["-e"] :
    name === "osascript" ? ["-e"] : [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (flags.includes(a)) return args[i + 1];
    const glued = flags.find((f) => f.startsWith("-") && f.length === 2 && a.startsWith(f) && a.length > 2 && !a.startsWith("--"));
    if (glued) return a.slice(2);
  }
  return undefined;
}

/** File operations the code performs on literal paths. */
function fileOperations(code: string): InlinePath[] {
  const out: InlinePath[] = [];
  const lit = `["']([^"']+)["']`;
  const push = (path: string, access: PathAccess, broad = false) => out.push({ path, access, broad });
  for (const m of code.matchAll(new RegExp(`\\bopen\\s*\\(\\s*${lit}\\s*(?:,\\s*["']([rwabx+t]*)["'])?`, "g"))) {
    const mode = m[2] ?? "r";
    push(m[1] as string, /[wax+]/.test(mode) ? "write" : "read");
  }
  for (const m of code.matchAll(new RegExp(`\\b(readFileSync|readFile|createReadStream|read_text|read_bytes|File\\.read|IO\\.read|file_get_contents|slurp)\\s*\\(\\s*${lit}`, "g"))) push(m[2] as string, "read");
  for (const m of code.matchAll(new RegExp(`\\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|write_text|write_bytes|File\\.write|file_put_contents|copyFileSync|symlinkSync|linkSync)\\s*\\(\\s*${lit}`, "g"))) push(m[2] as string, "write");
  for (const m of code.matchAll(new RegExp(`\\b(shutil\\.rmtree|rmtree|FileUtils\\.rm_r|FileUtils\\.rm_rf|rimraf)\\s*\\(\\s*${lit}`, "g"))) push(m[2] as string, "delete", true);
  for (const m of code.matchAll(new RegExp(`\\b(rmSync|rm|rmdirSync)\\s*\\(\\s*${lit}([^)]*)\\)`, "g"))) push(m[2] as string, "delete", /recursive\s*:\s*true/.test(m[3] ?? ""));
  for (const m of code.matchAll(new RegExp(`\\b(os\\.remove|os\\.unlink|os\\.rmdir|unlinkSync|unlink|File\\.delete|FileUtils\\.rm|Path\\(${lit}\\)\\.unlink)\\s*\\(\\s*${lit}?`, "g"))) {
    const p = m[3] ?? m[2];
    if (p) push(p, "delete");
  }
  for (const m of code.matchAll(new RegExp(`\\b(os\\.chmod|chmodSync|chmod|File\\.chmod)\\s*\\(\\s*${lit}`, "g"))) push(m[2] as string, "write");
  return out;
}

export function analyseInlineCode(rawCode: string): InterpreterAnalysis {
  const code = homeSpellings(rawCode);
  const findings: Finding[] = [];
  const literals = stringLiterals(code);
  const spawns = SPAWN.test(code);
  const network = NETWORK.test(code);
  const add = (ruleId: string, action: "block" | "escalate", reason: string) => {
    if (!findings.some((f) => f.ruleId === ruleId)) findings.push({ ruleId, action, reason, evidence: rawCode.slice(0, 200) });
  };
  if (network && REVERSE.test(code) && /socket|Socket|fsockopen|net\.(connect|createConnection)|\/inet\//.test(code)) add("shell.reverse-shell", "block", "Inline code connects a socket to a shell.");
  if (network && spawns && !/\/inet\//.test(code)) add("shell.remote-code", "block", "Inline code downloads something and starts a process.");
  if (spawns && DECODE.test(code)) add("shell.obfuscated-exec", "block", "Inline code decodes hidden text and executes it.");
  if (network && SECRET_PATH.test(code) && /(post|put|send|upload|files\s*=|data\s*=|write)/i.test(code)) add("exfil.network", "block", "Inline code sends credentials or the environment over the network.");
  if (FORK_LOOP.test(code)) add("shell.fork-bomb", "block", "Inline code forks processes in an endless loop (fork bomb).");
  if (KEYRING.test(code)) add("cred.keychain", "block", "Inline code reads passwords from the system keyring.");
  if (ENV_PRINT.test(code) && !network) add("cred.env-dump", "escalate", "Inline code prints the environment, including any secrets in it.");
  if (/\bchmod\s*\([^)]*,\s*0o?[2467][0-7]{3}\s*\)/.test(code)) add("priv.setuid", "block", "Inline code sets the setuid/setgid bit.");
  // Commands handed to a shell by the code are analysed as shell.
  const shellSnippets = spawns ? literals.filter((s) => /\s/.test(s) || /^(\/\S+|[a-z0-9_.-]+)$/.test(s)) : [];
  // Argument lists (['ngrok', 'http', '3000']) are one command.
  if (spawns) {
    for (const m of code.matchAll(/[[(]\s*((?:["'][^"']*["']\s*,\s*)+["'][^"']*["'])\s*,?\s*[\])]/g)) {
      shellSnippets.push((m[1] ?? "").split(/\s*,\s*/).map((x) => x.trim().slice(1, -1)).join(" "));
    }
  }
  if (spawns && /\+\s*[A-Za-z_$][\w.$]*\s*\(|\+\s*[A-Za-z_$][\w$]*\b(?!\s*["'])/.test(code.replace(/(["'])\s*\+\s*(["'])/g, ""))) {
    add("shell.dynamic-command", "escalate", "Inline code builds the command it runs at run time.");
  }
  const paths = fileOperations(code);
  if (/\b(shutil\.rmtree|os\.(remove|unlink|rmdir)|rmSync|unlinkSync|rimraf|FileUtils\.rm)/.test(code) && !paths.some((p) => p.access === "delete")) {
    add("shell.dynamic-command", "escalate", "Inline code deletes files whose names are computed at run time.");
  }
  return { findings, shellSnippets, paths };
}
