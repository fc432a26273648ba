let baseEnv: NodeJS.ProcessEnv | undefined;

/**
 * The caller's environment without any inherited GIT_* variable (GIT_DIR, GIT_INDEX_FILE, ...).
 * Apart from simple.ts so that reading it does not load simple-git.
 */
export function gitEnv(): NodeJS.ProcessEnv {
  if (!baseEnv) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    env.GIT_TERMINAL_PROMPT = '0';
    env.GIT_OPTIONAL_LOCKS = '0';
    env.LC_ALL = 'C';
    baseEnv = env;
  }
  return baseEnv;
}
