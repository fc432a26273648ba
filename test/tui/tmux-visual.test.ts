/**
 * The visual check in `factory review` on a real 80x24 terminal (tmux), from the build: the
 * detail shows it, o starts the system viewer (a real program on PATH), and i draws the
 * screenshot full-screen as on kitty, swallows the next key and gives the screen back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { builtCli, ensureBuilt } from '../helpers/built-cli.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { logVisual } from '../helpers/visual-events.js';
import { viewerCommand } from '../../src/tui/review/viewer.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasTmux)('the visual check in a real terminal (tmux)', () => {
  const tmux = new TmuxSession();

  beforeAll(ensureBuilt, 600_000);
  afterAll(async () => {
    tmux.kill();
    await cleanupTemps();
  });

  it('shows the viewports at 80x24, opens a screenshot with the viewer, and draws one with i', async () => {
    const dir = await makeRepo({ 'index.html': '<p>hi</p>\n' });
    const t = await taskWithAttempts(dir, 'Style the page', [
      { files: { 'index.html': '<p>one</p>\n' }, exit: 1 },
      { files: { 'index.html': '<p>two</p>\n' }, exit: 0 },
    ]);
    const shots = path.join(await tempDir('factory-shots-'), '2');
    await logVisual(t.repo, t.id, shots, { attempt: 2 });
    const bin = await tempDir('factory-bin-');
    const log = path.join(bin, 'opened.txt');
    await writeFile(path.join(bin, viewerCommand()), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\n`);
    await chmod(path.join(bin, viewerCommand()), 0o755);

    const vars = {
      XDG_CONFIG_HOME: path.join(dir, '.no-user-config'),
      FACTORY_STATE_DIR: path.join(await tempDir('factory-state-'), 'state'),
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      // The review believes it runs in kitty (outside tmux), so i draws the picture.
      KITTY_WINDOW_ID: '1',
    };
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`);
    // Ink draws nothing until exit when it believes it runs in CI.
    const command = `env -u CI -u CONTINUOUS_INTEGRATION -u TMUX ${assignments.join(' ')} ${quote(process.execPath)} ${quote(builtCli)} review; echo EXITED $?; sleep 60`;
    tmux.start(command, { cwd: dir, columns: 80, rows: 24 });

    await tmux.waitFor('Style the page');
    await tmux.send('Enter');
    const screen = await tmux.waitFor('› desktop 1280x800  no overflow  desktop.png');
    const rows = screen.replace(/\n$/, '').split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);
    expect(screen).toContain('visual check of attempt 2 · http://127.0.0.1:5173/ · 2.3s');
    expect(screen).toContain('phone 390x844 mobile  OVERFLOW: scrolls sideways');

    await tmux.send('o');
    await tmux.waitFor(/done: opened .*desktop\.png/);
    await expect.poll(() => existsSync(log) && readFile(log, 'utf8')).toBe(path.join(shots, 'desktop.png'));

    await tmux.send('v', 'i');
    await tmux.waitFor('factory · any key returns · task 1 attempt 1.2 · phone 390x844');
    expect(tmux.capture()).not.toContain('visual check of attempt');
    // The key that ends the picture goes nowhere else: x would otherwise ask to discard the task.
    await tmux.send('x');
    const back = await tmux.waitFor('done: back from the phone screenshot of attempt 1.2');
    expect(back).toContain('› phone 390x844');
    expect(back).not.toContain('Discard');
    expect(back).not.toContain('any key returns');

    await tmux.send('q');
    expect(await tmux.waitFor('EXITED 0')).not.toContain('Error');
  });
});
