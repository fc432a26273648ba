import { coerce, leaves, type Leaf } from './fields.js';

/**
 * Short names for the settings people change most; the generic FACTORY_<SECTION>_<KEY> names work
 * too. FACTORY_CHECK, FACTORY_PARALLEL and FACTORY_WORKTREE_DIR need no alias: they are generic names.
 */
const ALIASES: Record<string, string> = {
  FACTORY_MODEL: 'server.model',
  FACTORY_BASE_URL: 'server.baseURL',
  FACTORY_API_KEY: 'server.apiKey',
  FACTORY_CONCURRENCY: 'server.concurrency',
  FACTORY_MAX_ATTEMPTS: 'agent.maxAttempts',
  FACTORY_TOOLS: 'agent.tools',
  FACTORY_SANDBOX: 'sandbox.mode',
};

/** `baseURL` -> `BASE_URL`, `maxTokensPerTurn` -> `MAX_TOKENS_PER_TURN`. */
function screamingSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** FACTORY_AGENT_LLM_TIMEOUT for agent.llmTimeout, FACTORY_CHECK for check. */
export function envName(leaf: Leaf): string {
  return ['FACTORY', ...leaf.path.map(screamingSnake)].join('_');
}

let table: Map<string, Leaf> | undefined;

function envTable(): Map<string, Leaf> {
  if (!table) {
    table = new Map();
    for (const [name, key] of Object.entries(ALIASES))
      table.set(
        name,
        leaves().find((l) => l.key === key)!,
      );
    for (const leaf of leaves()) table.set(envName(leaf), leaf);
  }
  return table;
}

export interface EnvSetting {
  name: string;
  leaf: Leaf;
  value: unknown;
}

/**
 * The settings the environment makes, generic names after aliases so the more specific name wins.
 * Variables that name no setting (FACTORY_CONFIG, FACTORY_DEBUG, FACTORY_STATE_DIR, typos) are
 * ignored: FACTORY_ is a shared prefix, not a namespace owned by this file. Empty values count as
 * unset, as with `FACTORY_MODEL= factory ...`.
 */
export function envSettings(env: NodeJS.ProcessEnv): EnvSetting[] {
  const found: EnvSetting[] = [];
  for (const [name, leaf] of envTable()) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') found.push({ name, leaf, value: coerce(leaf, raw) });
  }
  return found;
}
