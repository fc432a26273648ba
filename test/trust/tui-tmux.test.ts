import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { appendEvent } from '../../src/tasks/record.js';
import { coderStreamWriter } from '../../src/tasks/coder-stream.js';
import { builtCli, ensureBuilt } from '../helpers/built-cli.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { freePort } from '../helpers/server-env.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

/**
 * `factory review` from the build, in a real terminal (tmux, 80x24): keys sent together, the
 * layout at 80 columns, and escape sequences from a title, a check and the Coder.
 */

const LONG_TITLE = 'Make the pagination helper return the last page when the index is past the end';
const HOSTILE = 'clear\x1b[2J title\x1b]0;pwned\x07 clip\x1b]52;c;cHduZWQ=\x07 end';
const SHOWN = 'clear␛[2J title␛]0;pwned␇ clip␛]52;c;cHduZWQ=␇ end';
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasTmux)('trust: factory review in a real terminal at 80x24', () => {
  const tmux = new TmuxSession();
  let dir = '';
  let command = '';

  beforeAll(async () => {
    await ensureBuilt();
    const port = await freePort();
    // Nobody listens on the port and nothing is started: the review only reads the repository.
    const config = { server: { baseURL: `http://127.0.0.1:${port}/v1`, command: null } };
    dir = await makeRepo({ 'a.txt': 'a\n', '.factoryrc.json': JSON.stringify(config) });
    const first = await taskWithAttempts(dir, LONG_TITLE, [{ files: { 'a.txt': 'one\n' }, exit: 1 }]);
    await taskWithAttempts(dir, 'Second task', [{ files: { 'b.txt': 'b\n' }, exit: 0 }]);
    const third = await taskWithAttempts(dir, `Hostile ${HOSTILE}`, [{ files: { 'c.txt': 'c\n' }, exit: 1 }]);
    await appendEvent(third.repo, third.id, 'check', {
      attempt: 1,
      command: 'npm test',
      exitCode: 1,
      timedOut: false,
      durationMs: 5,
      output: `check ${HOSTILE}\n`,
      truncatedBytes: 0,
    });
    const words = Array.from({ length: 14 }, (_, i) => `word${i}`).join(' ');
    const stream = coderStreamWriter(first.repo, first.id);
    stream.write(`coder ${HOSTILE}\n${words} ${words} ENDOFLINE\n`);
    await stream.close();
    const env = {
      FACTORY_STATE_DIR: path.join(await tempDir('factory-state-'), 'state'),
      XDG_CONFIG_HOME: path.join(dir, '.no-user-config'),
    };
    const vars = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    // Ink draws nothing until exit when it believes it runs in CI.
    command = `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 ${vars.join(' ')} ${quote(process.execPath)} ${quote(builtCli)} review; echo EXITED $?`;
    tmux.start('sh', { cwd: dir, columns: 80, rows: 24 });
    // tmux takes a program's OSC 52 into a paste buffer only with set-clipboard on.
    tmux.command('set-option', '-g', 'set-clipboard', 'on');
    // A stale build is rebuilt first, which takes minutes on a busy machine.
  }, 300_000);

  afterAll(async () => {
    tmux.kill();
    await cleanupTemps();
  });

  const title = () => tmux.command('display-message', '-p', '-t', tmux.name, '#{pane_title}').trim();
  const buffers = () => tmux.command('list-buffers', '-F', '#{buffer_sample}').trim();
  const until = async (check: () => boolean, what: string) => {
    const end = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; the screen was:\n${tmux.capture()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('lets a printed title and clipboard write through when they are raw (the control)', async () => {
    tmux.sendTogether(
      `printf '\\033]2;before-review\\007\\033]52;c;Y29udHJvbA==\\007'; echo PRINTED`,
      'Enter',
    );
    await tmux.waitFor(/^PRINTED$/m);
    await until(() => title() === 'before-review', 'the pane title to change');
    await until(() => buffers().includes('control'), 'the control clipboard write');
    tmux.command('delete-buffer');
    expect(buffers()).toBe('');
  });

  it('shows escape sequences from a title, a check and the Coder as symbols and obeys none', async () => {
    tmux.sendTogether(command, 'Enter');
    let screen = await tmux.waitFor('3 tasks');
    expect(screen).toContain('Hostile clear␛[2J title␛]0;pw');
    // The third task: its title in full on the detail screen, its check output below.
    tmux.sendTogether('G', 'Enter');
    screen = await tmux.waitFor(/check of attempt 1: exit 1/);
    expect(screen).toContain('task 3 · Hostile clear␛[2J title␛]0;pwned␇ clip␛]52;c;cHduZWQ=␇ end');
    expect(screen).toContain(`check ${SHOWN}`);
    expect(title()).toBe('before-review');
    expect(buffers()).toBe('');
    tmux.sendTogether('Escape');
    await tmux.waitFor('3 tasks');
  });

  it('handles every key sent together: `j j`, `Down Down`, `Up Up`, `k Enter`', async () => {
    tmux.sendTogether('g');
    await tmux.waitFor(/› +1 /);
    tmux.sendTogether('j', 'j');
    await tmux.waitFor(/› +3 /);
    tmux.sendTogether('Up', 'Up');
    await tmux.waitFor(/› +1 /);
    tmux.sendTogether('Down', 'Down');
    await tmux.waitFor(/› +3 /);
    tmux.sendTogether('k', 'Enter');
    await tmux.waitFor('task 2 · Second task');
    tmux.sendTogether('Escape');
    await tmux.waitFor('3 tasks');
  });

  it('fits 80 columns: the title has the room, `? help` shows, the question and the Coder text wrap', async () => {
    tmux.sendTogether('g');
    let screen = await tmux.waitFor(/› +1 /);
    expect(screen).toContain(LONG_TITLE.slice(0, 31));
    expect(screen).toMatch(/ID STATUS ATT \+\/- +AGE /);
    const last = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';
    expect(last(screen)).toContain('? help');
    tmux.sendTogether('Enter');
    screen = await tmux.waitFor('task 1 · Make the pagination');
    expect(last(screen)).toContain('? help');
    tmux.sendTogether('t');
    screen = await tmux.waitFor('ENDOFLINE');
    expect(screen).toContain(`coder ${SHOWN}`);
    expect(screen).toMatch(/word13 word0/);
    tmux.sendTogether('x');
    screen = await tmux.waitFor('Discard task 1?');
    expect(screen.replace(/\s+/g, ' ')).toContain('(attempt refs stay until `factory prune`).');
    expect(last(screen)).toMatch(/y yes +n no/);
    // The header stays on the first line: the frame is shorter than the terminal.
    expect(screen.split('\n')[0]).toMatch(/^factory · task 1/);
    tmux.sendTogether('n');
    await tmux.waitFor('left as it was');
    tmux.sendTogether('q');
    await tmux.waitFor('EXITED 0');
    expect(title()).toBe('before-review');
    expect(buffers()).toBe('');
  });
});
