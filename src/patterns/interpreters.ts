// Interpreter one-liners (python -c, node -e, perl -e, ruby -e, php -r): what the code spawns, fetches, deletes.
import type { Finding } from "./types.ts";

const SPAWN = /\b(os\.(system|popen|exec\w*|spawn\w*)|subprocess\.\w+|pty\.spawn|commands\.getoutput|child_process|execSync|spawnSync|execFileSync|\bexec\s*\(|\bsystem\s*\(|shell_exec|passthru|proc_open|popen|IO\.popen|Kernel\.(system|exec|spawn)|%x\{|`[^`]+`|\bexec\s+sprintf|\bexec\s*["'])/;
const NETWORK = /\b(socket|urllib|urlopen|requests\.(get|post|put)|http\.client|httpx|aiohttp|fetch\s*\(|https?\.(get|request)|net\.(connect|createConnection)|TCPSocket|fsockopen|stream_socket_client|LWP|IO::Socket|Net::HTTP|open-uri|URI\.open|curl|wget|file_get_contents\s*\(\s*["']https?:)/;
const REVERSE = /\b(dup2|pty\.spawn|fileno\(\)|<&\s*%?d|<&3|>&3|\/bin\/(ba)?sh\s+-i|sh\s+-i|stdin=s|stdout=s)\b|dup2/;
const DECODE = /\b(b64decode|base64|fromhex|bytes\.fromhex|codecs\.decode|atob\s*\(|Buffer\.from\s*\([^)]*['"](base64|hex)['"]|pack\s*\(\s*["']H\*|decode_base64|unpack|fromCharCode|\\x[0-9a-fA-F]{2}.*\\x[0-9a-fA-F]{2}|chr\s*\(\s*\d+\s*\)\s*[.+])/;
const DELETE = /\b(shutil\.rmtree|os\.(remove|unlink|rmdir|removedirs)|fs\.(rmSync|rm|unlinkSync|rmdirSync)|rimraf|FileUtils\.rm_r?f?|File\.delete|unlink\s*\(|rmtree)\b/;
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

export type InterpreterAnalysis = { findings: Finding[]; shellSnippets: string[]; deletePaths: string[] };

/** Which interpreters take inline code with which flag. */
export function inlineCode(name: string, args: readonly string[]): string | undefined {
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

export function analyseInlineCode(code: string): InterpreterAnalysis {
  const findings: Finding[] = [];
  const literals = stringLiterals(code);
  const spawns = SPAWN.test(code);
  const network = NETWORK.test(code);
  const add = (ruleId: string, action: "block" | "escalate", reason: string) => {
    if (!findings.some((f) => f.ruleId === ruleId)) findings.push({ ruleId, action, reason, evidence: code.slice(0, 200) });
  };
  if (network && REVERSE.test(code) && /socket|Socket|fsockopen/.test(code)) add("shell.reverse-shell", "block", "Inline code connects a socket to a shell.");
  if (network && spawns) add("shell.remote-code", "block", "Inline code downloads something and starts a process.");
  if (spawns && DECODE.test(code)) add("shell.obfuscated-exec", "block", "Inline code decodes hidden text and executes it.");
  if (network && SECRET_PATH.test(code) && /(post|put|send|upload|files\s*=|data\s*=|write)/i.test(code)) add("exfil.network", "block", "Inline code sends credentials or the environment over the network.");
  // Commands handed to a shell by the code are analysed as shell.
  const shellSnippets = spawns ? literals.filter((s) => /\s/.test(s) || /^(\/\S+|[a-z0-9_.-]+)$/.test(s)) : [];
  if (spawns && /\+\s*[A-Za-z_$][\w.$]*\s*\(|\+\s*[A-Za-z_$][\w$]*\b(?!\s*["'])/.test(code.replace(/(["'])\s*\+\s*(["'])/g, ""))) {
    add("shell.dynamic-command", "escalate", "Inline code builds the command it runs at run time.");
  }
  const deletePaths = DELETE.test(code) ? literals.filter((s) => s.startsWith("/") || s.startsWith("~") || s === "." || s.startsWith("./")) : [];
  if (DELETE.test(code) && deletePaths.length === 0) add("shell.dynamic-command", "escalate", "Inline code deletes files whose names are computed at run time.");
  return { findings, shellSnippets, deletePaths };
}
