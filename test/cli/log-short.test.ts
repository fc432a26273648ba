/** `factory log --short` on a task whose log was written the way a run writes it. */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, makeRepo, runCli } from '../helpers/git-repo.js';
import { recordedRun, SYSTEM_PROMPT } from '../helpers/recorded-run.js';

afterAll(cleanupTemps);

describe('factory log --short', () => {
  it('prints one line per reply, step, check and verdict, without the prompts; the full log keeps them', async () => {
    const dir = await makeRepo({ 'src/pager.js': '// pager\n' });
    await recordedRun(dir, 2);
    const short = await runCli(dir, ['log', '1', '--short']);
    expect(short.code, short.stderr).toBe(0);
    const lines = short.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['task 1: Fix the pager', 'status: passed (the Sheriff agreed)']);
    expect(lines[2]).toMatch(/^created from [0-9a-f]{10} on factory\/1-fix-the-pager$/);
    expect(lines.slice(3, 12)).toEqual([
      'run started',
      '[1] coder replied (finish tool_calls, 1200+30 tokens): tool calls write_file src/pager.js',
      '[1] step 1: write_file src/pager.js',
      // The first line with words, its escape sequence shown, never obeyed.
      '[1] coder replied (finish stop, 1250+12 tokens): Pages start at 1 now.␛[2J',
      '[1] check: exit 1 in 420 ms',
      '[1] sheriff replied (finish stop, 400+5 tokens): VERDICT: FAIL',
      '[1] verdict FAIL: not passed — The first page is skipped.',
      expect.stringMatching(/^\[1\] attempt recorded as failed \([0-9a-f]{10}, 900 ms\)$/),
      '[2] coder replied (finish tool_calls, 1200+30 tokens): tool calls write_file src/pager.js',
    ]);
    expect(lines).toContain('[2] check: exit 0 in 420 ms');
    expect(lines).toContain('[2] verdict PASS: passed — the check passed and the Sheriff agreed');
    expect(lines.at(-2)).toBe('run ended: passed (the Sheriff agreed)');
    expect(short.stdout).not.toContain('You are the Coder');
    expect(short.stdout).not.toContain('prompt');
    expect(short.stdout).not.toContain('\x1b');

    const full = await runCli(dir, ['log', '1']);
    expect(full.code, full.stderr).toBe(0);
    // The whole transcript repeats the system prompt every turn; the short one never has it.
    expect(full.stdout.split(SYSTEM_PROMPT.split('\n')[0]!).length - 1).toBe(2);
    expect(full.stdout.split('\n').length).toBeGreaterThan(lines.length + 10);
  });

  it('refuses --short with --json (exit 2)', async () => {
    const dir = await makeRepo();
    const r = await runCli(dir, ['log', '1', '--short', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('factory: --short and --json do not go together');
  });
});
