/** How a planned run and a visual check read in the CLI's text: the summary's tree, the progress lines, show's plan block. */
import { expect, it } from 'vitest';
import { progressLine, summaryText } from '../../src/cli/progress.js';
import { planLines } from '../../src/cli/plan-view.js';
import type { TaskOutcome } from '../../src/tasks/runner.js';
import type { TaskRecord } from '../../src/tasks/record.js';

const outcome = (id: number, title: string, o: TaskOutcome['outcome'], more: Partial<TaskOutcome> = {}) =>
  ({
    id,
    title,
    branch: `factory/${id}-x`,
    outcome: o,
    attempts: o === 'blocked' ? 0 : 1,
    reason: o,
    tokens: 0,
    added: 1,
    removed: 0,
    inferenceDown: false,
    ...more,
  }) as TaskOutcome;

it('lists a split task with its children under it, and suggests commands only for tasks that coded', () => {
  const text = summaryText([
    outcome(1, 'Whole feature', 'failed', {
      attempts: 0,
      reason: '1 of 3 subtasks passed; task 2 (api) failed, task 3 (ui) blocked',
      children: [
        outcome(2, 'The api', 'failed', { planKey: 'api', reason: 'no passing attempt in 1' }),
        outcome(3, 'The page', 'blocked', {
          planKey: 'ui',
          reason: 'it waits for task 2 (api), which did not pass',
        }),
        outcome(4, 'The docs', 'passed', { planKey: 'docs' }),
      ],
    }),
  ]);
  const rows = text.split('\n').filter((l) => /^\d/.test(l));
  expect(rows.map((r) => r.replace(/\s+/g, ' '))).toEqual([
    '1 failed 0 +1 -0 factory/1-x Whole feature',
    '2 failed 1 +1 -0 factory/2-x └ The api',
    '3 blocked 0 +1 -0 factory/3-x └ The page',
    '4 passed 1 +1 -0 factory/4-x └ The docs',
  ]);
  expect(text).toContain('task 3: it waits for task 2 (api), which did not pass');
  expect(text).toContain('factory merge 4 ');
  expect(text).toContain('factory resume 2 ');
});

it('says what the planner decided in one progress line', () => {
  const task = { id: 1 } as TaskRecord;
  const plan = (subtasks: string[], unsplit?: true) => ({
    type: 'plan' as const,
    attempt: 0,
    tries: 1,
    plan: {
      kind: 'mixed' as const,
      brief: 'b',
      spec: null,
      subtasks: subtasks.map((key) => ({ key, title: key, brief: key, files: [], after: [] })),
      ...(unsplit ? { unsplit } : {}),
    },
  });
  expect(progressLine(task, plan(['api', 'ui']))).toBe('[task 1] plan: mixed, 2 subtasks (api, ui)');
  expect(progressLine(task, plan(['api']))).toBe('[task 1] plan: mixed, runs as one task');
  expect(progressLine(task, plan([], true))).toBe('[task 1] plan: mixed, no valid plan, runs unsplit');
});

it("shows a one-subtask plan's subtask as done by the task itself, and escapes the model's text", () => {
  const lines = planLines({
    kind: 'ui',
    brief: 'Line one\nline two \u001b[31m',
    spec: 'Two columns.',
    unsplit: false,
    subtasks: [
      { key: 'page', title: 'The page', brief: 'x', files: ['a.html'], after: [], task: null, status: null },
    ],
  });
  expect(lines).toEqual([
    '',
    'plan: ui',
    '  brief    Line one\n           line two \u241b[31m',
    '  spec     Two columns.',
    '  subtasks',
    '    page: (this task)  The page',
    '      files a.html',
  ]);
});

it('prints one progress line per visual check: what was seen, or why it could not look', () => {
  const task = { id: 4 } as TaskRecord;
  const look = {
    type: 'visual' as const,
    attempt: 2,
    dir: '/d',
    url: 'http://127.0.0.1:1/',
    viewports: [
      {
        name: 'desktop',
        width: 1,
        height: 1,
        mobile: false,
        screenshot: 'desktop.png',
        description: 'x',
        overflow: false,
        console: 0,
        pageErrors: 0,
        network: 0,
      },
      {
        name: 'phone',
        width: 1,
        height: 1,
        mobile: true,
        screenshot: 'phone.png',
        description: 'y',
        overflow: true,
        console: 1,
        pageErrors: 0,
        network: 0,
      },
    ],
    errors: ['[phone] console error: boom'],
    durationMs: 4200,
  };
  expect(progressLine(task, look)).toBe(
    '[task 4] attempt 2: visual check: desktop, phone (overflows); 1 browser error (4.2s)',
  );
  expect(
    progressLine(task, { ...look, viewports: [], errors: [], error: 'the app did not answer\nmore' }),
  ).toBe('[task 4] attempt 2: visual check could not look: the app did not answer (4.2s)');
});
