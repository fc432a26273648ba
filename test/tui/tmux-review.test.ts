import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { builtCli, ensureBuilt } from '../helpers/built-cli.js';
import { cleanupTemps, makeRepo, runCli, sh, tempDir } from '../helpers/git-repo.js';
import { freePort, scriptedCommand } from '../helpers/server-env.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import type { TaskSummary } from '../../src/tasks/summary.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasTmux)('factory review in a real terminal (tmux)', () => {
  const tmux = new TmuxSession();
  let dir = '';
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    await ensureBuilt();
    const port = await freePort();
    const config = {
      server: {
        baseURL: `http://127.0.0.1:${port}/v1`,
        model: 'scripted-model',
        command: scriptedCommand([], 'review-three.json'),
      },
      agent: { maxAttempts: 3, tools: 'text' },
      check: '! grep -qs wrong a.txt',
      parallel: 3,
    };
    dir = await makeRepo({ 'README.md': '# three tasks\n', '.factoryrc.json': JSON.stringify(config) });
    env = { FACTORY_STATE_DIR: path.join(await tempDir('factory-state-'), 'state') };
    const run = await runCli(dir, ['task', 'Make a.txt right', 'Write b.txt', 'Write c.txt', '--json'], env);
    if (run.code !== 0) throw new Error(`factory task failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  });

  /** `factory review` from the build, as a shell command line for tmux. */
  const reviewCommand = (extra: Record<string, string> = {}, args = 'review') => {
    const vars = { ...env, XDG_CONFIG_HOME: path.join(dir, '.no-user-config'), SHELL: '/bin/sh', ...extra };
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${quote(String(v))}`);
    // Ink draws nothing until exit when it believes it runs in CI; FORCE_COLOR keeps the test
    // independent of how tmux advertises colours.
    return `env -u CI -u CONTINUOUS_INTEGRATION -u NO_COLOR FORCE_COLOR=1 ${assignments.join(' ')} ${quote(process.execPath)} ${quote(builtCli)} ${args}; echo EXITED $?; sleep 60`;
  };

  afterAll(async () => {
    tmux.kill();
    if (dir) await runCli(dir, ['server', 'stop'], env);
    await cleanupTemps();
  });

  it('walks to a task, reads its diff, rolls it back, merges another, opens a shell, and quits', async () => {
    // Tasks run in parallel, so which title got which id is only known afterwards.
    const listed = JSON.parse((await runCli(dir, ['list', '--json'], env)).stdout) as TaskSummary[];
    const byTitle = (title: string) => listed.find((t) => t.title === title)!;
    const fix = byTitle('Make a.txt right');
    const merge = byTitle('Write b.txt');
    const shell = byTitle('Write c.txt');
    tmux.start(reviewCommand(), { cwd: dir, columns: 100, rows: 30 });

    let screen = await tmux.waitFor('3 tasks');
    expect(screen).toMatch(new RegExp(`${fix.id} passed +2 +\\+1 -0 .* Make a\\.txt right`));
    expect(screen).toMatch(new RegExp(`${merge.id} passed +1 +\\+1 -0 .* Write b\\.txt`));
    expect(screen).toMatch(new RegExp(`${shell.id} passed +1 +\\+1 -0 .* Write c\\.txt`));
    await tmux.waitFor('server: ready · queue: 0 waiting, 0 running');

    // Rows are in id order and the first one starts selected.
    let at = 1;
    const walkTo = async (id: number) => {
      await tmux.send(...Array<string>(Math.abs(id - at)).fill(id > at ? 'j' : 'k'));
      at = id;
      await tmux.waitFor(new RegExp(`› +${id} `));
    };
    await tmux.send('G');
    at = 3;
    await walkTo(fix.id);
    await tmux.send('Enter');
    screen = await tmux.waitFor(`task ${fix.id} · Make a.txt right`);
    expect(screen).toMatch(/\.1 +failed +check exit 1 .* FAIL — a\.txt still says wrong/);
    expect(screen).toMatch(/› \d\.2 +passed +check exit 0 .* PASS +◂ branch +— The check passes/);

    await tmux.send('d');
    screen = await tmux.waitFor(`diff of task ${fix.id} against its base`);
    screen = await tmux.waitFor('+right');
    expect(screen).toMatch(/━━ a\.txt/);

    await tmux.send('Escape', 'g', 'r');
    await tmux.waitFor(`Roll task ${fix.id} back to ${fix.id}.1?`);
    await tmux.send('y');
    await tmux.waitFor(`done: task ${fix.id}: rolled back to ${fix.id}.1`);
    screen = await tmux.waitFor(/› \d\.1 .* ◂ branch/);
    expect(screen).toMatch(/\.2 +passed .*\(rolled back\)/);

    await tmux.send('Escape');
    await walkTo(merge.id);
    await tmux.send('m');
    await tmux.waitFor(`Merge task ${merge.id} into main`);
    await tmux.waitFor('with main: merges cleanly');
    await tmux.send('Enter');
    await tmux.waitFor(
      new RegExp(`done: merged task ${merge.id} into main as \\w+ \\(squash, 1 file\\(s\\)\\)`),
    );
    await tmux.waitFor(new RegExp(`› +${merge.id} merged`));

    // A shell in a worktree takes the terminal, and the review comes back when it exits.
    await walkTo(shell.id);
    await tmux.send('s');
    await tmux.waitFor('exit this shell to return to the review');
    await tmux.send('echo "in $(basename "$PWD")"', 'Enter');
    await tmux.waitFor(new RegExp(`^in ${shell.id}$`, 'm'));
    await tmux.send('exit', 'Enter');
    screen = await tmux.waitFor(new RegExp(`done: back from the shell in .*worktrees/${shell.id}`));
    expect(screen).toMatch(new RegExp(`› +${shell.id} passed`));

    await tmux.send('q');
    screen = await tmux.waitFor('EXITED 0');
    expect(screen).not.toContain('Error');

    // The repository agrees with what the screen said.
    expect(sh(dir, 'rev-parse', fix.branch)).toBe(sh(dir, 'rev-parse', `refs/factory/${fix.id}/attempts/1`));
    expect(sh(dir, 'log', '-1', '--format=%s', 'main')).toBe(`Write b.txt (factory task ${merge.id})`);
    expect(sh(dir, 'show', 'main:b.txt')).toBe('b is here');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });

  it('uses colour, and none at all with NO_COLOR; bare `factory` opens it too', async () => {
    // SGR sequences that set a foreground colour (bold and the like are fine without colour).
    // eslint-disable-next-line no-control-regex
    const colourOf = /\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;)[0-9;]*m/;
    const both: string[] = [];
    const runs: [Record<string, string>, string][] = [
      [{}, 'review'],
      [{ NO_COLOR: '1' }, ''],
    ];
    for (const [extra, args] of runs) {
      tmux.kill();
      tmux.start(reviewCommand(extra, args), { cwd: dir, columns: 80, rows: 24 });
      await tmux.waitFor('3 tasks');
      await tmux.waitFor('server: ready');
      both.push(tmux.capture(true));
      await tmux.send('q');
      await tmux.waitFor('EXITED 0');
    }
    const [coloured, plain] = both as [string, string];
    expect(coloured).toMatch(colourOf);
    expect(plain).not.toMatch(colourOf);
    // eslint-disable-next-line no-control-regex
    const words = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    expect(words(plain)).toMatch(/› +\d+ failed .*rolled back from 1\.2/);
    expect(words(plain)).toContain('merged');
    // The frame is shorter than the terminal: its first line (the header) never scrolls away.
    expect(words(plain).split('\n')[0]).toMatch(/^factory · tasks │ server: ready/);
    expect(words(coloured).split('\n')[0]).toMatch(/^factory · tasks │ server: ready/);
  });

  it('takes Enter pressed while it starts: the task opens', async () => {
    tmux.kill();
    tmux.start(reviewCommand(), { cwd: dir, columns: 80, rows: 24 });
    // Sent at once, before node has loaded the review: the terminal is not raw yet, and turns
    // the return into a line feed (which the review takes for Enter as well).
    tmux.sendTogether('Enter');
    const screen = await tmux.waitFor(/^task \d+ · /m);
    expect(screen.split('\n')[0]).toMatch(/^factory · task \d+/);
    await tmux.send('q');
    await tmux.waitFor('EXITED 0');
  });
});
