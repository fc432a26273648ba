/**
 * The describer's model server that factory starts itself (`visual.describer.command`), and what
 * the configuration may not say about it: checked on the merged configuration, like the other
 * cross-field rules of the `visual` section (visual-checks.ts), because baseURL and command may
 * come from different layers.
 */
import type { Config } from './schema.js';
import type { VisualProblem } from './visual-checks.js';

export interface ManagedDescriber {
  baseURL: string;
  model: string;
  apiKey: string;
  command: string[];
  /** GB, or null: estimated from the model's files. */
  memory: number | null;
}

/** The describer server `factory server start` runs, or null when factory starts none. */
export function managedDescriber(config: Pick<Config, 'server' | 'visual'>): ManagedDescriber | null {
  const own = config.visual?.describer;
  if (!own?.command || own.baseURL === null) return null;
  return {
    baseURL: own.baseURL,
    model: own.model ?? config.server.model,
    apiKey: own.apiKey ?? 'local',
    command: own.command,
    memory: own.memory,
  };
}

/** host:port, the address a queue front listens on. */
function address(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

export function describerProblems(config: Pick<Config, 'server' | 'visual'>): VisualProblem[] {
  const own = config.visual?.describer;
  if (!own?.command) return [];
  if (own.baseURL === null)
    return [
      {
        path: ['visual', 'describer', 'command'],
        message:
          'factory starts a describer only on a server of its own, and visual.describer.baseURL is null (the main ' +
          'server): set visual.describer.baseURL, e.g. "http://127.0.0.1:8081/v1", or remove "command"',
      },
    ];
  if (address(own.baseURL) === address(config.server.baseURL))
    return [
      {
        path: ['visual', 'describer', 'baseURL'],
        message: `is the main server's address (${address(own.baseURL)}), where the describer's own server cannot listen too: give it another port, or remove "command"`,
      },
    ];
  return [];
}
