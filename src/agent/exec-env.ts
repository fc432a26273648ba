/**
 * The environment a check (or a model's `run_command`) runs in. The command is code a model just
 * wrote, so it gets none of the user's secrets; and it runs as in CI, without colour codes that
 * would only cost tokens when its output goes back to a model.
 */

/** Names ending so hold secrets by convention (compared upper-cased). */
const SECRET_SUFFIXES = [
  '_KEY',
  '_APIKEY',
  '_TOKEN',
  '_AUTHTOKEN', // npm_config_//registry.example/:_authToken
  '_AUTH', // npm_config__auth
  '_SECRET',
  '_PASSWORD',
  '_PASSWD',
  '_CREDENTIALS',
  '_CREDENTIAL',
];

/** Secrets, or handles on them, whose names don't follow the convention. */
const SECRET_NAMES = new Set([
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'API_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'NPM_TOKEN',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'HF_TOKEN',
  'SSH_AUTH_SOCK', // a live key agent: as good as the keys
  'SSH_AGENT_PID',
  'GPG_AGENT_INFO',
  'KRB5CCNAME',
  'DOCKER_AUTH_CONFIG',
]);

/** Region settings are harmless, and SDKs in tests may need them; the rest of AWS_* is identity. */
const AWS_KEPT = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION']);

export function isSecretName(name: string): boolean {
  const n = name.toUpperCase();
  if (SECRET_NAMES.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s))) return true;
  // Whole families of cloud identity: keys, session tokens, profiles, role and container credentials.
  if (n.startsWith('AWS_')) return !AWS_KEPT.has(n);
  return n.startsWith('AZURE_') || n.startsWith('CLOUDSDK_AUTH_');
}

/** Database connection strings carry a password more often than not, even without `user:pass@`. */
const URL_SECRET_NAMES = new Set(['DATABASE_URL', 'DB_URL', 'REDIS_URL', 'MONGO_URL', 'MONGODB_URI']);

/** `scheme://user:password@` or `scheme://token@`: whatever sits before the `@` is a credential. */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/@]+@/i;

/** The value is (or contains) a URL that carries credentials, as `HTTPS_PROXY=http://u:p@proxy`. */
export function hasUrlCredentials(value: string): boolean {
  return URL_WITH_CREDENTIALS.test(value);
}

export interface ScrubOptions {
  /** Names passed on although the rules above would remove them (e.g. DATABASE_URL for a local test database). */
  allow?: readonly string[];
  /** More names to remove; `*` matches any run of characters. */
  deny?: readonly string[];
}

const globRegex = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

/**
 * A copy of `env` without secrets and without any `GIT_*` variable: factory may itself run inside
 * git (a hook sets GIT_DIR and GIT_INDEX_FILE), and those would point the check's own git
 * commands at the user's repository instead of the task's worktree. Secrets are the names above,
 * database URLs, and any value holding a URL with credentials (`postgres://app:pw@db/x`);
 * `allow` lets named ones through, `deny` removes more. GIT_* is removed whatever `allow` says.
 */
export function scrubEnv(env: NodeJS.ProcessEnv, opts: ScrubOptions = {}): NodeJS.ProcessEnv {
  const allow = new Set((opts.allow ?? []).map((n) => n.toUpperCase()));
  const deny = (opts.deny ?? []).map(globRegex);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    const n = name.toUpperCase();
    if (value === undefined || n.startsWith('GIT_')) continue;
    if (deny.some((r) => r.test(name))) continue;
    const secret =
      isSecretName(name) ||
      URL_SECRET_NAMES.has(n) ||
      n.endsWith('_DATABASE_URL') ||
      hasUrlCredentials(value);
    if (secret && !allow.has(n)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * `scrubEnv`, then the CI settings: `CI=1` (tools stop prompting, watching and animating) and
 * `NO_COLOR=1`. FORCE_COLOR is removed rather than set to 0: Node prints a warning into the output
 * when both are set, and some tools read any FORCE_COLOR value as "force".
 */
export function checkEnv(env: NodeJS.ProcessEnv, opts: ScrubOptions = {}): NodeJS.ProcessEnv {
  const out = scrubEnv(env, opts);
  delete out.FORCE_COLOR;
  out.CI = '1';
  out.NO_COLOR = '1';
  return out;
}
