/**
 * Errors under `--json`: the stderr line as always, plus one JSON object on stdout, with the exit
 * code unchanged. Refusals (2), failed operations (1) and commander's usage errors (2).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { cleanupTemps, makeRepo, runCli } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { recordFile } from '../../src/tasks/paths.js';

afterAll(cleanupTemps);

/** stdout must be exactly one JSON line. */
function jsonLine(stdout: string): unknown {
  const lines = stdout.split('\n');
  expect(lines, stdout).toHaveLength(2);
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0]!);
}

describe('errors under --json', () => {
  it('a refusal: the JSON object on stdout, the same line on stderr, exit 2', async () => {
    const dir = await makeRepo();
    const r = await runCli(dir, ['log', '7', '--json']);
    expect(r.code).toBe(2);
    expect(jsonLine(r.stdout)).toEqual({
      error: {
        message: 'no task 7 in this repository',
        hint: 'see `factory list` for the tasks there are',
        exitCode: 2,
      },
    });
    expect(r.stderr).toBe(
      'factory: no task 7 in this repository — see `factory list` for the tasks there are\n',
    );
    // Without --json, stdout stays empty.
    const plain = await runCli(dir, ['log', '7']);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toBe(r.stderr);
  });

  it('a failed operation keeps its exit code 1; quoted control characters are JSON-escaped, shown on stderr', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const t = await taskWithAttempts(dir, 'damaged', []);
    await writeFile(recordFile(t.repo, t.id), '{ not json');
    const r = await runCli(dir, ['show', '1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = jsonLine(r.stdout) as { error: { message: string; hint: string; exitCode: number } };
    expect(out.error.exitCode).toBe(1);
    expect(out.error.message).toContain('the record of task 1 is damaged');
    expect(out.error.hint).toBe('`factory prune` removes records that cannot be used');
    expect(r.stderr).toContain('factory: the record of task 1 is damaged');

    const hostile = await runCli(dir, ['show', '1\x1b[2J', '--json']);
    expect(hostile.code).toBe(2);
    expect(hostile.stdout).toContain('\\u001b[2J');
    expect(hostile.stdout).not.toContain('\x1b');
    expect((jsonLine(hostile.stdout) as { error: { message: string } }).error.message).toBe(
      'not a task address: 1\x1b[2J',
    );
    expect(hostile.stderr).toContain('not a task address: 1␛[2J');
  });

  it("commander's usage errors too, when the command line has --json", async () => {
    const dir = await makeRepo();
    const bogus = await runCli(dir, ['list', '--json', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(jsonLine(bogus.stdout)).toEqual({ error: { message: "unknown option '--bogus'", exitCode: 2 } });
    expect(bogus.stderr).toContain("error: unknown option '--bogus'");
    const missing = await runCli(dir, ['log', '--json']);
    expect(missing.code).toBe(2);
    expect(jsonLine(missing.stdout)).toEqual({
      error: { message: "missing required argument 'task'", exitCode: 2 },
    });
    // --json after `--` is an argument, not the option: nothing on stdout.
    const after = await runCli(dir, ['log', '--bogus', '--', '--json']);
    expect(after.code).toBe(2);
    expect(after.stdout).toBe('');
    expect(after.stderr).toContain("error: unknown option '--bogus'");
  });
});
