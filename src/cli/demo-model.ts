import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { refuse } from '../errors.js';
import { packageFile, packageRoot } from '../package-root.js';

/** The demo model: the scripted server, compiled into dist/ so the installed package can run it. */
const BUILT = 'dist/scripted-server/cli.js';
/** Its source, run through tsx when factory itself runs from src/ in a checkout. */
const SOURCE = 'src/scripted-server/cli.ts';

/** tsx's loader, resolved from factory's own package (a dev dependency: present in a checkout only). */
function tsxLoader(): string | undefined {
  try {
    return pathToFileURL(createRequire(packageFile('package.json')).resolve('tsx')).href;
  } catch {
    return undefined;
  }
}

function builtServer(): string[] | undefined {
  const cli = packageFile(BUILT);
  return existsSync(cli) ? [process.execPath, cli] : undefined;
}

function sourceServer(): string[] | undefined {
  const cli = packageFile(SOURCE);
  const loader = existsSync(cli) ? tsxLoader() : undefined;
  return loader ? [process.execPath, '--import', loader, cli] : undefined;
}

/**
 * How to start the scripted server: node and its entry, before the server's own arguments.
 * The form that matches how this code runs comes first, so a checkout running from src/ never
 * starts a stale build of the server, and the installed package never needs tsx.
 */
export function scriptedServerEntry(): string[] {
  const fromSource = /\.tsx?$/.test(fileURLToPath(import.meta.url));
  const entry = fromSource ? (sourceServer() ?? builtServer()) : (builtServer() ?? sourceServer());
  if (entry) return entry;
  throw refuse(
    `the demo model is missing: no ${BUILT} in ${packageRoot()}`,
    'reinstall factory-agent, or run `npm run build` in a checkout',
  );
}

/** The scripted server as a `server.command` playing `script` (a file shipped with the package). */
export function scriptedModelCommand(script: string): string[] {
  return [
    ...scriptedServerEntry(),
    '--host',
    '{host}',
    '--port',
    '{port}',
    '--script',
    packageFile(script),
    '--dialect',
    'mlx',
    '--model',
    '{model}',
  ];
}
