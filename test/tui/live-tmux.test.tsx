import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, projectRoot, sh, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/server.js';
import { colorCodes, hasTmux, Pane } from './live-tmux.js';

const cli = ['node', '--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts')];
const ROW = /^[> ] (\d+)\s+(\d+|-)\s+(starting|coder|edits|check|sheriff|commit|\w+)\s/m;

let pane: Pane | undefined;
let server: ScriptedServer | undefined;
afterEach(async () => {
  pane?.kill();
  pane = undefined;
  await server?.close();
  server = undefined;
});
afterAll(cleanupTemps);

describe.skipIf(!hasTmux)('the live view in a real terminal (tmux)', () => {
  it('shows live rows during `factory demo`, then its final frame and the summary', async () => {
    const cwd = await tempDir('factory-live-');
    pane = new Pane([...cli, 'demo'], { cwd, columns: 100, rows: 30, env: { NO_COLOR: '1' } });
    const seen: string[] = [];
    const end = await pane.waitFor((s) => s.includes('[exit '), 60_000, seen);
    expect(end).toContain('[exit 0] [tty icanon]');
    expect(pane.display('#{cursor_flag}')).toBe('1');
    // Some screen while it ran had the live rows and the focused task's Coder text.
    const live = seen.find((s) => s.includes(': Coder --') && ROW.test(s));
    expect(live, seen.at(-1)).toBeDefined();
    expect(live).toMatch(/ID\s+ATT\s+PHASE\s+CHECK\s+TOK\/S\s+WAIT\s+TIME\s+TITLE/);
    const all = pane.capture(true);
    // The last frame stays, compact, above the summary, and nothing of the plain progress shows.
    expect(all).toMatch(/factory {2}2 tasks: 2 passed\n/);
    expect(all).toMatch(/^ {2}1\s+2\s+passed\s+exit 0/m);
    expect(all).toMatch(/^ {2}2\s+1\s+passed\s+exit 0/m);
    expect(all.indexOf('2 tasks: 2 passed')).toBeLessThan(all.indexOf('review the result'));
    expect(all).not.toContain('coder is writing');
    expect(all).not.toContain(': Coder --');
    // NO_COLOR: styles like bold may stay, colours may not.
    expect(colorCodes(pane.capture(true, true))).toEqual([]);
  });

  it('cancels on Ctrl-C (Ink does not swallow it) and ends with the summary', async () => {
    server = await startScriptedServer({
      script: path.join(projectRoot, 'fixtures/scripts/demo.json'),
      dialect: 'mlx',
      // Slow enough to press Ctrl-C while the Coder streams.
      latency: { prefillTps: 1e9, decodeTps: 15, slots: 1 },
    });
    const cwd = await tempDir('factory-live-');
    await cp(path.join(projectRoot, 'fixtures/demo-repo'), cwd, { recursive: true });
    await writeFile(
      path.join(cwd, '.factoryrc.json'),
      JSON.stringify({
        server: { baseURL: server.baseURL, model: 'scripted-demo' },
        agent: { maxAttempts: 3, tools: 'text' },
        check: 'npm test --silent',
      }),
    );
    sh(cwd, 'init', '-q', '-b', 'main');
    sh(cwd, 'add', '-A');
    sh(cwd, 'commit', '-q', '-m', 'demo project');
    const task = 'Fix the off-by-one in paginate: pages are numbered from 1. Add a test.';
    pane = new Pane([...cli, 'task', '--no-server', task], {
      cwd,
      columns: 80,
      rows: 24,
      env: { FACTORY_STATE_DIR: path.join(cwd, '.git', 'state') },
    });
    // The Coder's text is streaming into the pane.
    await pane.waitFor((s) => /: Coder --[\s\S]*Pages start at 1/.test(s), 30_000);
    pane.keys('C-c');
    await pane.waitFor((s) => s.includes('cancelling; press Ctrl-C again'), 10_000);
    const end = await pane.waitFor((s) => s.includes('[exit '), 30_000);
    expect(end).toContain('[exit 1] [tty icanon]');
    expect(pane.display('#{cursor_flag}')).toBe('1');
    const all = pane.capture(true);
    expect(all).toMatch(/factory {2}1 task: 1 cancelled/);
    expect(all).toMatch(/^1\s+cancelled\s+1\s/m);
    expect(all).toContain('factory resume 1');
    // Without NO_COLOR the outcome is coloured (the NO_COLOR case above is not colourless by accident).
    expect(colorCodes(pane.capture(true, true)).length).toBeGreaterThan(0);
  });
});
