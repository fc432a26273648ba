import { describe, expect, it } from 'vitest';
import { normalizeDiff, normalizeErrorTail, StagnationGuard } from '../../src/agent/stagnation.js';

const run = (n: number) =>
  [
    ` RUN  v4.1.12 /tmp/factory-test-Ab${n}Xy/repo`,
    `[2026-03-0${n}T10:1${n}:0${n}.12${n}Z] starting worker pid=${1000 + n} on http://127.0.0.1:${40000 + n}`,
    ` FAIL  test/pager.test.ts > pages > last page`,
    `AssertionError: expected [ 1, 2 ] to deeply equal [ 3 ]`,
    `  at /tmp/factory-test-Ab${n}Xy/repo/test/pager.test.ts:12:${5 + n}`,
    `  at processTicks (node:internal/process/task_queues:95:5)`,
    `Segfault at 0x7ffd${n}a2b3c4d5 in worker[${20000 + n}]`,
    `Temp file /var/folders/xy/abc123_z/T/tmp-${n}9f/out.json kept`,
    `\u001b[31m Tests  1 failed | 3 passed (4)\u001b[39m`,
    `   Start at  1${n}:34:5${n}`,
    `   Duration  ${n}.2${n}s (transform ${n}0ms, setup 0ms)`,
    `build ${n}f3a9c2e4b1d7 took ${n} seconds`,
  ].join('\n');

describe('normalizeErrorTail', () => {
  it('makes two runs of the same failure read the same', () => {
    expect(normalizeErrorTail(run(1))).toBe(normalizeErrorTail(run(2)));
  });

  it('strips timestamps, durations, addresses, pids, ports and temp paths but keeps file:line', () => {
    const n = normalizeErrorTail(run(3));
    expect(n).not.toMatch(/2026|13:34:53|3\.23s|30ms|0x7ffd|1003|40003|20003|Ab3Xy|abc123/);
    expect(n).not.toContain('\u001b');
    expect(n).toContain('<tmp>/repo/test/pager.test.ts:12\n');
    expect(n).toContain('Tests 1 failed | 3 passed (4)');
    expect(n).toContain('AssertionError: expected [ 1, 2 ] to deeply equal [ 3 ]');
    expect(n).toContain('http://127.0.0.1:<port>');
    expect(n).toContain('<tmp>/out.json');
  });

  it('tells apart failures on different lines or with different messages', () => {
    const a = 'FAIL src/a.test.ts\n  at src/a.ts:10:3\nexpected 1 to be 2';
    expect(normalizeErrorTail(a)).not.toBe(normalizeErrorTail(a.replace('a.ts:10', 'a.ts:11')));
    expect(normalizeErrorTail(a)).not.toBe(normalizeErrorTail(a.replace('to be 2', 'to be 3')));
    expect(normalizeErrorTail(a)).toBe(normalizeErrorTail(a.replace('a.ts:10:3', 'a.ts:10:9')));
    expect(normalizeErrorTail('src/a.ts(4,12): error TS2322')).toBe('src/a.ts(4): error TS2322');
  });

  it('keeps only the last lines, without blank ones, and replaces given roots', () => {
    const out = Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join('\n');
    const n = normalizeErrorTail(out, 5);
    expect(n.split('\n')).toEqual(['line 45', 'line 46', 'line 47', 'line 48', 'line 49']);
    expect(normalizeErrorTail('at /home/me/wt/src/a.ts:3:1', 30, ['/home/me/wt'])).toBe(
      'at <root>/src/a.ts:3',
    );
    expect(normalizeErrorTail('/repo/.git/factory/worktrees/7/src/x.ts:1')).toBe('<worktree>/src/x.ts:1');
  });

  it('is idempotent', () => {
    const once = normalizeErrorTail(run(4));
    expect(normalizeErrorTail(once)).toBe(once);
  });
});

describe('normalizeDiff', () => {
  it('ignores blob ids, hunk positions and spacing', () => {
    const a =
      'diff --git a/x b/x\nindex 1a2b3c4..5d6e7f8 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,4 @@\n a\n+b\n';
    const b =
      'diff --git a/x b/x\nindex 9999999..8888888 100644\n--- a/x\n+++ b/x\n@@ -10,3 +10,4 @@\n a\n+b  \n\n';
    expect(normalizeDiff(a)).toBe(normalizeDiff(b));
    expect(normalizeDiff(' \n\n')).toBe('');
  });
});

describe('StagnationGuard', () => {
  it('stops after the same error tail in N consecutive failing attempts', () => {
    const g = new StagnationGuard(3);
    expect(g.record({ errorTail: run(1), diff: 'd1' })).toEqual({ stagnated: false });
    expect(g.record({ errorTail: run(2), diff: 'd2' })).toEqual({ stagnated: false });
    const r = g.record({ errorTail: run(3), diff: 'd3' });
    expect(r.stagnated).toBe(true);
    expect(r.reason).toBe('the same error output in 3 attempts in a row');
  });

  it('restarts the count when the error changes or no check ran', () => {
    const g = new StagnationGuard(2);
    expect(g.record({ errorTail: 'E1', diff: 'a' }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E2', diff: 'b' }).stagnated).toBe(false);
    expect(g.record({ errorTail: null, diff: 'c' }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E2', diff: 'd' }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E2', diff: 'e' }).stagnated).toBe(true);
  });

  it('stops when the same non-empty diff is proposed twice, in any two attempts', () => {
    const g = new StagnationGuard(5);
    const diff = 'diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n';
    expect(g.record({ errorTail: 'E1', diff }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E2', diff: 'other' }).stagnated).toBe(false);
    const r = g.record({ errorTail: 'E3', diff: diff.replace('+b', '+b   ') });
    expect(r).toEqual({ stagnated: true, reason: 'attempt 3 proposed the same change as attempt 1' });
  });

  it('does not count empty diffs as repeats, and words the reason with given attempt numbers', () => {
    const g = new StagnationGuard(5);
    expect(g.record({ errorTail: 'E1', diff: '' }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E2', diff: '\n' }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E3', diff: 'x', attempt: 7 }).stagnated).toBe(false);
    expect(g.record({ errorTail: 'E4', diff: 'x', attempt: 8 }).reason).toBe(
      'attempt 8 proposed the same change as attempt 7',
    );
  });

  it('stops at the first failure with threshold 1', () => {
    expect(new StagnationGuard(1).record({ errorTail: 'E', diff: '' }).stagnated).toBe(true);
  });
});
