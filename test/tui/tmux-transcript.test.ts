/** The transcript view of `factory review` in a real 80x24 terminal (tmux), from the build. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { builtCli, ensureBuilt, RAW_CONTROL } from '../helpers/built-cli.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { recordedRun } from '../helpers/recorded-run.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasTmux)('the transcript view in a real terminal (tmux)', () => {
  const tmux = new TmuxSession();

  beforeAll(ensureBuilt, 600_000);
  afterAll(async () => {
    tmux.kill();
    await cleanupTemps();
  });

  it('opens with l from the task detail, fits 80x24, scrolls, and esc goes back', async () => {
    const dir = await makeRepo({ 'src/pager.js': '// pager\n' });
    await recordedRun(dir, 3);
    const vars = {
      XDG_CONFIG_HOME: path.join(dir, '.no-user-config'),
      FACTORY_STATE_DIR: path.join(await tempDir('factory-state-'), 'state'),
    };
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`);
    // Ink draws nothing until exit when it believes it runs in CI.
    const command = `env -u CI -u CONTINUOUS_INTEGRATION ${assignments.join(' ')} ${quote(process.execPath)} ${quote(builtCli)} review; echo EXITED $?; sleep 60`;
    tmux.start(command, { cwd: dir, columns: 80, rows: 24 });

    await tmux.waitFor('Fix the pager');
    await tmux.send('Enter');
    await tmux.waitFor('1.3.1');
    await tmux.send('l');
    let screen = await tmux.waitFor('short transcript of task 1 · lines 1-19 of 27');
    const rows = screen.replace(/\n$/, '').split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);
    expect(rows[0]).toContain('task 1 · transcript');
    expect(screen).toContain('[1] check: exit 1 in 420 ms');
    expect(screen).toContain('Pages start at 1 now.␛[2J');
    expect(screen).not.toMatch(RAW_CONTROL);

    await tmux.send('G');
    screen = await tmux.waitFor('lines 9-27 of 27');
    expect(screen).toContain('run ended: passed (the Sheriff agreed)');
    await tmux.send('Escape');
    screen = await tmux.waitFor(/› 1\.3 +passed/);
    expect(screen).not.toContain('short transcript');
    await tmux.send('q');
    await tmux.waitFor('EXITED 0');
  });
});
