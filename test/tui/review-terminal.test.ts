import { afterAll, describe, expect, it } from 'vitest';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { runShell, type ShellTerminal } from '../../src/tui/review/shell.js';

afterAll(cleanupTemps);

/** No tty here: the real terminal hand-over is in tmux-review.test.ts; this holds the exit rules. */
function fakeTerminal() {
  const written: string[] = [];
  let cleared = 0;
  const term = {
    stdin: { isTTY: false } as NodeJS.ReadStream,
    stdout: { write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream,
    clearFrame: () => void cleared++,
  } satisfies ShellTerminal;
  return { term, written, cleared: () => cleared };
}

describe('runShell', () => {
  it('runs the shell in the worktree and comes back whatever its exit code', async () => {
    const dir = await tempDir();
    const shell = path.join(dir, 'fake-shell');
    await writeFile(shell, '#!/bin/sh\npwd > where.txt\nexit 3\n');
    await chmod(shell, 0o755);
    const { term, written, cleared } = fakeTerminal();
    expect(() => runShell(dir, term, shell)).not.toThrow();
    expect((await readFile(path.join(dir, 'where.txt'), 'utf8')).trim()).toBe(dir);
    expect(cleared()).toBe(1);
    expect(written.join('')).toContain(`factory: exit this shell to return to the review (worktree: ${dir})`);
    // The review's screen is back after the shell.
    expect(written.at(-1)).toContain('\x1b[?1049h');
  });

  it('throws when the shell cannot start, and still gives the screen back', async () => {
    const dir = await tempDir();
    const { term, written } = fakeTerminal();
    expect(() => runShell(dir, term, path.join(dir, 'no-such-shell'))).toThrow(/ENOENT/);
    expect(written.at(-1)).toContain('\x1b[?1049h');
  });
});
