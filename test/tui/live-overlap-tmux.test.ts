/**
 * `factory task A B --parallel 2` in a real 80x24 terminal, both tasks writing the same file:
 * while both run, both rows of the live view carry the warning. The check waits for a file the
 * test writes once it has seen the warning, so both tasks are surely still running then.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, makeRepo, projectRoot, sh, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/server.js';
import { hasTmux, Pane } from './live-tmux.js';

const cli = ['node', '--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts')];

let pane: Pane | undefined;
let server: ScriptedServer | undefined;
afterEach(async () => {
  pane?.kill();
  pane = undefined;
  await server?.close();
  server = undefined;
});
afterAll(cleanupTemps);

const coder = (who: string) => ({
  match: { system: 'You are the Coder', user: `as ${who}` },
  content: `Done.\n\nshared.txt\n\`\`\`text\n${who}\n\`\`\`\n`,
});

describe.skipIf(!hasTmux)('the live view in tmux: two running tasks on the same file', () => {
  it('shows the warning on both rows at 80x24, and the run then ends normally', async () => {
    server = await startScriptedServer({
      dialect: 'mlx',
      script: {
        model: 'scripted-model',
        replies: [
          coder('alpha'),
          coder('beta'),
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict": "PASS", "analysis": "Written.", "fix": ""}',
          },
        ],
        default: { content: 'VERDICT: FAIL\nno scripted reply fits this request' },
      },
    });
    const gate = path.join(await tempDir('factory-gate-'), 'go');
    const cwd = await makeRepo({ 'shared.txt': 'base\n' });
    await writeFile(
      path.join(cwd, '.factoryrc.json'),
      JSON.stringify({
        server: { baseURL: server.baseURL, model: 'scripted-model', concurrency: 2 },
        agent: { maxAttempts: 1, tools: 'text' },
        // Without the OS sandbox: its private /tmp would hide the gate file.
        sandbox: { mode: 'none' },
        check: `while [ ! -f '${gate}' ]; do sleep 0.05; done`,
      }),
    );
    sh(cwd, 'add', '-A');
    sh(cwd, 'commit', '-q', '-m', 'config');
    pane = new Pane(
      [...cli, 'task', '--no-server', '--parallel', '2', 'Write it as alpha', 'Write it as beta'],
      {
        cwd,
        columns: 80,
        rows: 24,
        env: { NO_COLOR: '1', FACTORY_STATE_DIR: path.join(cwd, '.git', 'state') },
      },
    );
    const row = (s: string, id: number) =>
      s.split('\n').find((l) => new RegExp(`^[> ] ${id}\\s`).test(l)) ?? '';
    const live = await pane.waitFor(
      (s) => row(s, 1).includes('⚠ also 2: shared.txt') && row(s, 2).includes('⚠ also 1: shared.txt'),
      60_000,
    );
    for (const l of live.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
    await writeFile(gate, '');
    const end = await pane.waitFor((s) => s.includes('[exit '), 60_000);
    expect(end).toContain('[exit 0]');
    // The last frame: both passed, no warning left.
    expect(end).toMatch(/2 tasks: 2 passed/);
    expect(end).not.toContain('⚠');
  });
});
