import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder of factory's own package.json (a checkout or the installed package). Found by
 * walking up from this module rather than by a fixed `../..`, because the same code runs from
 * `src/` under tsx and from a bundled chunk in `dist/`.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`factory: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  root = dir;
  return root;
}

/** A file shipped with the package (schema.json, fixtures/…), by its path from the root. */
export function packageFile(relative: string): string {
  return path.join(packageRoot(), relative);
}
