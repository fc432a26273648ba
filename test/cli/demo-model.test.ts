import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptedServerEntry } from '../../src/cli/demo-model.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, projectRoot, tempDir, tsxLoader } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A package folder with only `files` (no node_modules: tsx cannot be resolved from it). */
async function packageWith(files: string[]): Promise<string> {
  const root = await tempDir('factory-demo-model-');
  for (const f of ['package.json', ...files]) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), f === 'package.json' ? '{"name":"factory-agent"}' : '');
  }
  return root;
}

describe('the demo model (the scripted server shipped with the package)', () => {
  it('runs the compiled server with node alone in an installed package', async () => {
    const root = await packageWith(['dist/scripted-server/cli.js']);
    const built = [process.execPath, path.join(root, 'dist/scripted-server/cli.js')];
    expect(scriptedServerEntry(root, false)).toEqual(built);
    // From source without tsx beside it (no dev dependencies): still the compiled one.
    expect(scriptedServerEntry(root, true)).toEqual(built);
  });

  it('runs the source through tsx when factory runs from src/ in a checkout', () => {
    const src = path.join(projectRoot, 'src/scripted-server/cli.ts');
    expect(scriptedServerEntry(projectRoot, true)).toEqual([process.execPath, '--import', tsxLoader, src]);
  });

  it('refuses in one line, naming what is missing, when neither form is there', async () => {
    const root = await packageWith(['src/scripted-server/cli.ts']);
    for (const fromSource of [false, true]) {
      let err: unknown;
      try {
        scriptedServerEntry(root, fromSource);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FactoryError);
      expect((err as FactoryError).exitCode).toBe(2);
      expect((err as FactoryError).message).toBe(
        `the demo model is missing: no dist/scripted-server/cli.js in ${root}`,
      );
    }
  });
});
