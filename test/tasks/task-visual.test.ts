/** A task's `visual` and `spec`: read from the task file, kept in the task record for `resume`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRepo } from '../../src/git/repo.js';
import { FactoryError } from '../../src/errors.js';
import { readRecord } from '../../src/tasks/record.js';
import { readTaskFile } from '../../src/tasks/task-file.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { scriptedRun } from '../helpers/scripted-run.js';

afterAll(cleanupTemps);

async function taskFile(text: string, name = 'task.yaml'): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

describe('task file: visual and spec', () => {
  it('reads visual: true/false and a multi-line spec; both stay optional', async () => {
    const file = await taskFile(
      [
        'tasks:',
        '  - description: Make the pricing grid responsive',
        '    visual: true',
        '    spec: |',
        '      Desktop: three columns side by side.',
        '      Phone: one column, nothing wider than the screen.',
        '  - description: Fix the footer links',
        '    visual: false',
        '  - description: Refactor the server',
        '',
      ].join('\n'),
    );
    const [grid, footer, server] = await readTaskFile(file);
    expect(grid).toMatchObject({
      visual: true,
      spec: 'Desktop: three columns side by side.\nPhone: one column, nothing wider than the screen.',
    });
    expect(footer!.visual).toBe(false);
    expect(footer!.spec).toBeUndefined();
    expect(server).not.toHaveProperty('visual');
    expect(server).not.toHaveProperty('spec');
    const json = await taskFile('{"description": "x", "visual": true, "spec": "one column"}', 't.json');
    expect((await readTaskFile(json))[0]).toMatchObject({ visual: true, spec: 'one column' });
  });

  it('refuses values of the wrong type, naming the file and the field', async () => {
    for (const [text, re] of [
      ['description: x\nvisual: "yes"\n', /task\.yaml: visual: expected true or false/],
      ['description: x\nvisual: 1\n', /task\.yaml: visual: expected true or false/],
      ['description: x\nspec: 3\n', /task\.yaml: spec: expected a text \(what the result must look like\)/],
      ['description: x\nspec: "  "\n', /task\.yaml: spec: expected a non-empty text/],
      ['tasks:\n  - description: x\n    visuals: true\n', /tasks\[0\]\.visuals: unknown field/],
    ] as const) {
      const err = await readTaskFile(await taskFile(text)).catch((e: unknown) => e);
      expect(err, text).toBeInstanceOf(FactoryError);
      expect((err as FactoryError).exitCode).toBe(2);
      expect((err as FactoryError).message, text).toMatch(re);
      expect((err as FactoryError).hint).toMatch(/visual, spec, plan$/);
    }
  });
});

describe('task record: visual and spec', () => {
  it('keeps what the task asked in its record, for resume', async () => {
    const run = await scriptedRun({
      script: {
        model: 'scripted-model',
        replies: [
          { match: { system: 'You are the Coder' }, content: 'Nothing to change.' },
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"PASS","analysis":"ok","fix":""}',
          },
        ],
      },
      task: { title: 'Style the page', visual: true, spec: 'Desktop: two columns.\nPhone: one.' },
      agent: { maxAttempts: 1 },
      check: 'true',
    });
    try {
      const rec = await readRecord(await openRepo(run.dir), run.outcome.id);
      expect(rec.visual).toBe(true);
      expect(rec.spec).toBe('Desktop: two columns.\nPhone: one.');
    } finally {
      await run.server.close();
    }
  });
});
