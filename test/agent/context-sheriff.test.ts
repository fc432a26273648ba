import { describe, expect, it } from 'vitest';
import { buildSheriffMessages, type SheriffContextInput } from '../../src/agent/context/coder.js';
import { BUILT_IN_PROMPTS, sheriffSystemPrompt, type Prompts } from '../../src/agent/prompts/index.js';
import type { TaskSpec } from '../../src/agent/types.js';

const prompts: Prompts = { ...BUILT_IN_PROMPTS };
const task: TaskSpec = {
  title: 'Fix pagination',
  description: 'Fix the off-by-one.',
  constraints: ['keep the API'],
  mode: 'repo',
};
const diffOf = (file: string, lines: number) =>
  `diff --git a/${file} b/${file}\nindex 1111111..2222222 100644\n--- a/${file}\n+++ b/${file}\n@@ -1,${lines} +1,${lines} @@\n` +
  Array.from({ length: lines }, (_, i) => `+line ${i} of ${file}`).join('\n') +
  '\n';

function build(over: Partial<SheriffContextInput> = {}) {
  const messages = buildSheriffMessages({
    task,
    prompts,
    diff: diffOf('src/pager.ts', 3),
    check: {
      command: 'npm test',
      exitCode: 1,
      head: 'RUN v4\n',
      tail: 'FAIL test/pager.test.ts\nTests 1 failed\n',
    },
    budgetTokens: 4000,
    ...over,
  });
  return { messages, user: messages[1]!.content, chars: messages.reduce((n, m) => n + m.content.length, 0) };
}

describe('buildSheriffMessages', () => {
  it('gives the task, the command, its exit code, the output head and tail and the diff', () => {
    const { messages, user } = build();
    expect(messages[0]).toEqual({ role: 'system', content: sheriffSystemPrompt(prompts) });
    expect(user).toContain('# Task: Fix pagination\nFix the off-by-one.\n\nConstraints:\n- keep the API');
    expect(user).toContain(
      '# The check\nThe orchestrator ran `npm test`.\nExit code: 1 (the attempt failed).',
    );
    expect(user).toContain('## Output (head)\n```\nRUN v4\n```');
    expect(user).toContain('## Output (tail)\n```\nFAIL test/pager.test.ts\nTests 1 failed\n```');
    expect(user).toContain(
      "# The task's whole change against its base (all of it from this attempt)\n```diff\ndiff --git a/src/pager.ts",
    );
    expect(user).not.toContain("# This attempt's part of it");
    expect(user).toMatch(/Answer with the JSON object\.$/);
  });

  it('shows an output that was not cut once', () => {
    const { user } = build({
      check: { command: 'npm test', exitCode: 0, head: 'all good\n', tail: 'all good\n' },
    });
    expect(user).toContain('Exit code: 0.');
    expect(user).toContain('## Output\n```\nall good\n```');
    expect(user).not.toContain('(tail)');
  });

  it('says when the check timed out, and when there was no diff or output', () => {
    const { user } = build({
      diff: '',
      check: { command: 'npm test', exitCode: null, head: '', tail: '', timedOut: true },
    });
    expect(user).toContain('It timed out and was killed: the attempt failed.');
    expect(user).toContain(
      "# The task's whole change against its base (all of it from this attempt)\n(no changes)",
    );
    expect(user).toContain('## Output\n(none)');
  });

  it('tells a script task apart', () => {
    const { user } = build({
      task: { ...task, mode: 'script' },
      check: { command: 'python3 solution.py', exitCode: 0, head: 'March 2026\n', tail: '' },
    });
    expect(user).toContain(
      "This is a script task: there is no check command; the orchestrator ran the Coder's script with `python3 solution.py`.",
    );
    expect(user).toContain('## Output\n```\nMarch 2026\n```');
  });

  it('trims a large diff and output to the budget, keeping every file header', () => {
    const diff =
      diffOf('package-lock.json', 5000) + diffOf('src/pager.ts', 10) + diffOf('test/pager.test.ts', 20);
    const tail = Array.from({ length: 2000 }, (_, i) => `tail ${i}`).join('\n');
    const head = Array.from({ length: 2000 }, (_, i) => `head ${i}`).join('\n');
    for (const budget of [8000, 3000, 1500]) {
      const { user, chars } = build({
        diff,
        check: { command: 'npm test', exitCode: 1, head, tail },
        budgetTokens: budget,
      });
      expect(chars).toBeLessThanOrEqual(budget * 4);
      expect(user).toContain('tail 1999');
      expect(user).toContain('head 0');
      expect(user).toContain('+line 9 of src/pager.ts');
      expect(user).toContain('diff --git a/test/pager.test.ts');
      expect(user).toContain('diff --git a/package-lock.json');
      expect(user).toMatch(/more diff lines cut/);
    }
  });

  it('strips colour codes from the output', () => {
    const { user } = build({
      check: { command: 'npm test', exitCode: 1, head: '\u001b[31mred\u001b[39m\n', tail: '' },
    });
    expect(user).toContain('```\nred\n```');
  });
});

describe('buildSheriffMessages: the whole change of a later attempt', () => {
  const earlier = diffOf('src/pager.ts', 3);
  const part = diffOf('test/pager.test.ts', 2);

  it("shows the whole change against the base first, then this attempt's part", () => {
    const { user } = build({ diff: part, wholeDiff: earlier + part });
    const whole = user.indexOf("# The task's whole change against its base (earlier attempts included)");
    const mine = user.indexOf("# This attempt's part of it\n```diff\ndiff --git a/test/pager.test.ts");
    expect(whole).toBeGreaterThan(0);
    expect(mine).toBeGreaterThan(whole);
    // The earlier attempt's file is in the whole change, and only there.
    const wholeSection = user.slice(whole, mine);
    expect(wholeSection).toContain('+line 2 of src/pager.ts');
    expect(wholeSection).toContain('+line 1 of test/pager.test.ts');
    expect(user.slice(mine)).not.toContain('src/pager.ts');
  });

  it('says when this attempt changed nothing, or when the task has no change left', () => {
    expect(build({ diff: '', wholeDiff: earlier }).user).toContain(
      "# This attempt's part of it\n(this attempt changed nothing)",
    );
    expect(build({ diff: part, wholeDiff: '' }).user).toContain(
      "# The task's whole change against its base (earlier attempts included)\n(no changes: earlier attempts were undone)",
    );
  });

  it('keeps the whole change when both diffs are over budget, and every file header', () => {
    const big = diffOf('src/a.ts', 3000) + diffOf('src/b.ts', 3000);
    for (const budget of [8000, 3000]) {
      const { user, chars } = build({ diff: diffOf('src/b.ts', 3000), wholeDiff: big, budgetTokens: budget });
      expect(chars).toBeLessThanOrEqual(budget * 4);
      expect(user).toContain('diff --git a/src/a.ts');
      expect(user).toContain("# The task's whole change against its base");
      expect(user).toContain('+line 0 of src/a.ts');
    }
  });
});

describe('buildSheriffMessages: an output that was not cut', () => {
  it('keeps both its ends when it is over budget', () => {
    const head = Array.from({ length: 3000 }, (_, i) => `out ${i}`).join('\n');
    const { user, chars } = build({
      check: { command: 'npm test', exitCode: 1, head, tail: '' },
      budgetTokens: 2000,
    });
    expect(chars).toBeLessThanOrEqual(8000);
    expect(user).toMatch(/## Output\n```\nout 0\nout 1\n[\s\S]*\n… \(\d+ lines cut\)\n[\s\S]*out 2999\n```/);
  });
});

describe('buildSheriffMessages: a tiny budget', () => {
  it('still gives the task and the exit code', () => {
    const { user } = build({ budgetTokens: 10, diff: diffOf('a.ts', 500) });
    expect(user).toContain('# Task: Fix pagination');
    expect(user).toContain('Exit code: 1 (the attempt failed).');
  });
});
