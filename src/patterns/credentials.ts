// Credential stores by path: private keys, cloud and tool tokens, browser secrets, system password files.

const HOME_CREDENTIALS: readonly RegExp[] = [
  /^\.ssh\/(?!.*\.pub$)(?!known_hosts)(?!config$)(?!authorized_keys)[^/]+$/, // private keys, not *.pub
  /^\.aws\/(credentials|config)$/,
  /^\.netrc$/,
  /^\.git-credentials$/,
  /^\.docker\/config\.json$/,
  /^\.kube\/config$/,
  /^\.config\/gh\/hosts\.ya?ml$/,
  /^\.config\/gcloud(\/|$)/,
  /^\.azure(\/|$)/,
  /^\.gnupg(\/|$)/,
  /^\.password-store(\/|$)/,
  /^\.npmrc$/,
  /^\.pypirc$/,
  /^\.mozilla\/firefox\/[^/]+\/(logins\.json|key[34]\.db|cookies\.sqlite)$/,
  /^\.config\/(google-chrome|chromium|BraveSoftware\/Brave-Browser|microsoft-edge)\/[^/]+\/(Cookies|Login Data|Web Data)$/,
  /^Library\/(Keychains|Cookies)(\/|$)/,
  /^Library\/Application Support\/(Google\/Chrome|Firefox)\/.*(Cookies|Login Data|logins\.json|key4\.db)$/,
  /^\.openclaw[^/]*\/(credentials|identity)(\/|$)/,
];

const SYSTEM_CREDENTIALS: readonly RegExp[] = [/^\/etc\/(shadow|gshadow|sudoers)(-|$)/, /^\/etc\/ssh\/ssh_host_[^/]*_key$/, /^\/root\/\.ssh\//];

/** What kind of credential store `path` is (absolute, normalised), or undefined. Globs match conservatively. */
export function credentialKind(path: string, home: string): string | undefined {
  if (SYSTEM_CREDENTIALS.some((re) => re.test(path))) return "system credentials";
  const prefix = home.endsWith("/") ? home : `${home}/`;
  if (path.startsWith(prefix)) {
    const rel = path.slice(prefix.length);
    const relaxed = rel.replace(/\*/g, "x");
    if (HOME_CREDENTIALS.some((re) => re.test(rel) || re.test(relaxed))) return "credential store";
  }
  if (/(^|\/)id_(rsa|dsa|ecdsa|ed25519)(\*)?$/.test(path)) return "private key";
  if (/(^|\/)\.env(\.[A-Za-z0-9_-]+)?$/.test(path) && !/\.env\.(example|sample|template|dist)$/.test(path)) return ".env secrets";
  return undefined;
}

/** Directories that hold credential stores: copying or archiving them whole takes the secrets along. */
const CREDENTIAL_DIRS = /^(\.ssh|\.aws|\.gnupg|\.config\/gcloud|\.kube|\.docker|\.azure|\.password-store|\.mozilla(\/firefox)?|\.config\/(google-chrome|chromium|gh)|\.openclaw[^/]*(\/credentials)?|Library\/Keychains)\/?$/;

export function credentialDirKind(path: string, home: string): string | undefined {
  const prefix = home.endsWith("/") ? home : `${home}/`;
  if (!path.startsWith(prefix)) return undefined;
  return CREDENTIAL_DIRS.test(path.slice(prefix.length)) ? "credential directory" : undefined;
}

/** Shell history files: erasing or redirecting them hides what was done. */
export function isHistoryFile(path: string, home: string): boolean {
  const prefix = home.endsWith("/") ? home : `${home}/`;
  return path.startsWith(prefix) && /^(\.bash_history|\.zsh_history|\.history|\.sh_history|\.local\/share\/fish\/fish_history|\.python_history|\.node_repl_history|\.psql_history|\.mysql_history)$/.test(path.slice(prefix.length));
}

/** Startup and login hooks: a write here runs code later, for every session or boot. */
export function persistenceKind(path: string, home: string): string | undefined {
  if (/^\/etc\/(cron[^/]*|crontab|systemd\/system|init\.d|rc\.local|profile\.d|ld\.so\.preload)(\/|$)/.test(path) || /^\/var\/spool\/cron(\/|$)/.test(path)) return "system startup";
  if (/^\/Library\/(LaunchDaemons|LaunchAgents)(\/|$)/.test(path)) return "system startup";
  const prefix = home.endsWith("/") ? home : `${home}/`;
  if (!path.startsWith(prefix)) return undefined;
  const rel = path.slice(prefix.length);
  if (/^\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|zlogin|cshrc|tcshrc|kshrc|inputrc)$/.test(rel) || /^\.config\/fish\/config\.fish$/.test(rel)) return "shell startup file";
  if (/^\.ssh\/(authorized_keys2?|rc|config)$/.test(rel)) return "SSH login";
  if (/^(Library\/LaunchAgents|\.config\/systemd\/user|\.config\/autostart|\.local\/share\/systemd)(\/|$)/.test(rel)) return "user service";
  return undefined;
}
