import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { refuse } from '../errors.js';
import { packageFile, packageRoot } from '../package-root.js';

/** The demo model: the scripted server, compiled into dist/ so the installed package can run it. */
const BUILT = 'dist/scripted-server/cli.js';
/** Its source, run through tsx when factory itself runs from src/ in a checkout. */
const SOURCE = 'src/scripted-server/cli.ts';

/** tsx's loader, resolved from factory's own package (a dev dependency: present in a checkout only). */
function tsxLoader(root: string): string | undefined {
  try {
    return pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href;
  } catch {
    return undefined;
  }
}

function builtServer(root: string): string[] | undefined {
  const cli = path.join(root, BUILT);
  return existsSync(cli) ? [process.execPath, cli] : undefined;
}

function sourceServer(root: string): string[] | undefined {
  const cli = path.join(root, SOURCE);
  const loader = existsSync(cli) ? tsxLoader(root) : undefined;
  return loader ? [process.execPath, '--import', loader, cli] : undefined;
}

/** True when this module runs as TypeScript (tsx, vitest), false from the built dist/. */
const runningFromSource = () => /\.tsx?$/.test(fileURLToPath(import.meta.url));

/**
 * How to start the scripted server of the package at `root`: node and its entry, before the
 * server's own arguments. The form that matches how this code runs comes first, so a checkout
 * running from src/ never starts a stale build of the server, and the installed package never
 * needs tsx.
 */
export function scriptedServerEntry(root = packageRoot(), fromSource = runningFromSource()): string[] {
  const entry = fromSource
    ? (sourceServer(root) ?? builtServer(root))
    : (builtServer(root) ?? sourceServer(root));
  if (entry) return entry;
  throw refuse(
    `the demo model is missing: no ${BUILT} in ${root}`,
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
