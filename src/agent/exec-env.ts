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

/**
 * A copy of `env` without secrets and without any `GIT_*` variable: factory may itself run inside
 * git (a hook sets GIT_DIR and GIT_INDEX_FILE), and those would point the check's own git
 * commands at the user's repository instead of the task's worktree.
 * Not covered: credentials inside URLs (DATABASE_URL and the like), which tests often need.
 */
export function scrubEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isSecretName(name) || name.toUpperCase().startsWith('GIT_')) continue;
    out[name] = value;
  }
  return out;
}

/**
 * `scrubEnv`, then the CI settings: `CI=1` (tools stop prompting, watching and animating) and
 * `NO_COLOR=1`. FORCE_COLOR is removed rather than set to 0: Node prints a warning into the output
 * when both are set, and some tools read any FORCE_COLOR value as "force".
 */
export function checkEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = scrubEnv(env);
  delete out.FORCE_COLOR;
  out.CI = '1';
  out.NO_COLOR = '1';
  return out;
}
