import os from 'node:os';
import path from 'node:path';

/** The repository's configuration file, at its top level. */
export const REPO_CONFIG_FILE = '.factoryrc.json';

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACTORY_CONFIG) return path.resolve(env.FACTORY_CONFIG);
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'factory', 'config.json');
}
