import { EDIT_CASES, runCase, tally, type CaseResult } from '../../fixtures/edits-corpus/index.js';
import { cleanupTemps } from '../../test/helpers/git-repo.js';
import type { Measurement, Suite } from '../types.js';

const SUITE = 'edits';

/**
 * Not a timing: how text-mode replies written the way small models write them (the corpus in
 * fixtures/edits-corpus) come out of parse+apply on a real repo. Applied as meant and refused
 * with a message are informational; applied wrongly (the silent corruption) and ignored in
 * silence are gated at 0.
 */
export const editsSuite: Suite = {
  name: SUITE,
  benchmarks: [
    'edits applied as meant',
    'edits refused with a message',
    'edits applied wrongly',
    'edits ignored silently',
  ],
  async run(ctx, report) {
    const results: CaseResult[] = [];
    try {
      for (const c of EDIT_CASES) results.push(await runCase(c));
    } finally {
      await cleanupTemps();
    }
    const t = tally(EDIT_CASES, results);
    const row = (name: string, count: number, label: string, gated: boolean): Measurement => ({
      suite: SUITE,
      size: 0,
      name,
      product: [count],
      productLabel: label,
      unit: 'count',
      ...(gated ? { target: { maxValue: 0 } } : {}),
    });
    const rows = [
      row(
        'edits applied as meant',
        t.meant,
        `replies applied exactly as the model meant: ${t.appliedOfShouldApply} of the ${t.shouldApply} ` +
          `that should apply (${t.total} replies in all)`,
        false,
      ),
      row(
        'edits refused with a message',
        t.refused,
        `replies refused, nothing changed, a problem sent to the model (${t.shouldRefuse} should be)`,
        false,
      ),
      row('edits applied wrongly', t.wrong, 'replies that changed files other than as meant', true),
      row('edits ignored silently', t.silent, 'replies that changed nothing and said nothing', true),
    ];
    for (const c of EDIT_CASES.filter((_, i) => ['wrong', 'silent'].includes(results[i]!.outcome)))
      ctx.log(`not as meant: ${c.name}`);
    for (const m of rows) report(m);
  },
};
