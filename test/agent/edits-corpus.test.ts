/**
 * Every reply of the edit corpus (fixtures/edits-corpus) through the real parse-and-apply path
 * on a real git repo: each applies exactly as the model meant, or is refused with a problem
 * message and nothing changed. None may be applied wrongly or dropped in silence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EDIT_CASES, runCase, tally, type CaseResult } from '../../fixtures/edits-corpus/index.js';
import { cleanupTemps } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

describe('the edit corpus', () => {
  const results: CaseResult[] = [];

  it.each(EDIT_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await runCase(c);
    results.push(r);
    expect(r.tree).toEqual(r.want);
    if (c.expect === 'refuse') {
      expect(r.outcome).toBe('refused');
      const said = r.problems.join('\n');
      if (c.message) expect(said).toMatch(c.message);
      if (c.notMessage) expect(said).not.toMatch(c.notMessage);
    } else {
      expect(r.outcome).toBe('meant');
      expect(r.problems).toEqual([]);
    }
  });

  it('has at least 40 cases, and none applied wrongly or ignored in silence', () => {
    expect(results).toHaveLength(EDIT_CASES.length);
    const t = tally(EDIT_CASES, results);
    expect(t.total).toBeGreaterThanOrEqual(40);
    expect(t.wrong).toBe(0);
    expect(t.silent).toBe(0);
    expect(t.appliedOfShouldApply).toBe(t.shouldApply);
  });
});
