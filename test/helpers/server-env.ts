import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { makeRepo, projectRoot, tsxLoader } from './git-repo.js';
import { freePort } from '../../src/llm/free-port.js';

export const scriptedCli = path.join(projectRoot, 'src/scripted-server/cli.ts');
export const script = (name: string) => path.join(projectRoot, 'fixtures/scripts', name);

export { freePort };

/** The scripted server as a model-server command, with factory's placeholders. */
export function scriptedCommand(extra: string[] = [], scriptName = 'hello.json', dialect = 'mlx'): string[] {
  return [
    process.execPath,
    '--import',
    tsxLoader,
    scriptedCli,
    '--host',
    '{host}',
    '--port',
    '{port}',
    '--model',
    '{model}',
    '--script',
    script(scriptName),
    '--dialect',
    dialect,
    ...extra,
  ];
}

/**
 * A repo whose .factoryrc.json points the server at a free port and the scripted server,
 * and a private state dir, so tests never touch a real server or the user's state.
 */
export async function serverSandbox(
  server: Record<string, unknown> = {},
): Promise<{ dir: string; env: NodeJS.ProcessEnv; port: number; baseURL: string }> {
  const dir = await makeRepo();
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  await writeFile(
    path.join(dir, '.factoryrc.json'),
    JSON.stringify({ server: { baseURL, model: 'scripted-model', command: scriptedCommand(), ...server } }),
  );
  return { dir, port, baseURL, env: { FACTORY_STATE_DIR: path.join(dir, 'state') } };
}
