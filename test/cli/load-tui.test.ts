import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot, tsxLoader } from '../helpers/git-repo.js';

describe('loading a TUI on a terminal', () => {
  it('keeps a CI=1 in the shell from turning Ink into draw-at-exit mode, and restores it', () => {
    const loader = pathToFileURL(path.join(projectRoot, 'src/cli/load-tui.ts')).href;
    const script = `
      const { loadTui } = await import(${JSON.stringify(loader)});
      const ci = await loadTui(() => import('is-in-ci'));
      console.log(JSON.stringify({ inkSeesCi: ci.default, after: process.env.CI }));`;
    const out = execFileSync(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { ...process.env, CI: '1' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ inkSeesCi: false, after: '1' });
  });
});
