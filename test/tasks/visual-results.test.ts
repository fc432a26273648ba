/** Reading each attempt's visual check and the spec back from a task's event log. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendEvent, readEvents, readRecord } from '../../src/tasks/record.js';
import { attemptVisuals, taskSpec } from '../../src/tasks/visual-results.js';
import { capText, descriptionLines, errorLines, viewportLine } from '../../src/tasks/visual-words.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { DESKTOP, PHONE, logVisual } from '../helpers/visual-events.js';

afterAll(cleanupTemps);

async function visualTask() {
  const dir = await makeRepo({ 'index.html': '<p>hi</p>\n' });
  const t = await taskWithAttempts(dir, 'Style the page', [
    { files: { 'index.html': '<p>one</p>\n' }, exit: 0 },
    { files: { 'index.html': '<p>two</p>\n' }, exit: 0 },
  ]);
  return { dir, ...t, shots: await tempDir('factory-shots-') };
}

describe('attemptVisuals', () => {
  it("keeps each attempt's last visual event, oldest attempt first, with its screenshots found", async () => {
    const t = await visualTask();
    await logVisual(t.repo, t.id, path.join(t.shots, '2'), { attempt: 2, errors: [] });
    await logVisual(t.repo, t.id, path.join(t.shots, '1a'), { attempt: 1, error: 'the app did not start' });
    await logVisual(t.repo, t.id, path.join(t.shots, '1b'), { attempt: 1 });
    const got = await attemptVisuals(await readEvents(t.repo, t.id));
    expect(got.map((v) => [v.attempt, v.dir])).toEqual([
      [1, path.join(t.shots, '1b')],
      [2, path.join(t.shots, '2')],
    ]);
    const [one] = got;
    expect(one).toMatchObject({
      url: 'http://127.0.0.1:5173/',
      dirFound: true,
      durationMs: 2300,
      errors: ['console error: Uncaught TypeError: price is undefined (app.js:12:5)'],
    });
    // The later event of attempt 1 had no error: the earlier one's is not carried over.
    expect(one).not.toHaveProperty('error');
    expect(one!.viewports).toEqual([
      {
        name: 'desktop',
        width: 1280,
        height: 800,
        mobile: false,
        file: path.join(t.shots, '1b', 'desktop.png'),
        found: true,
        description: DESKTOP.description,
        overflow: false,
        console: 1,
        pageErrors: 1,
        network: 0,
      },
      expect.objectContaining({
        name: 'phone',
        mobile: true,
        found: true,
        description: null,
        describeError: PHONE.describeError,
        overflow: true,
      }),
    ]);
  });

  it('says a screenshot is missing and the folder deleted, without failing', async () => {
    const t = await visualTask();
    await logVisual(t.repo, t.id, path.join(t.shots, '1'), { attempt: 1 });
    await logVisual(t.repo, t.id, path.join(t.shots, '2'), { attempt: 2 });
    await rm(path.join(t.shots, '1', 'phone.png'));
    await rm(path.join(t.shots, '2'), { recursive: true });
    const [one, two] = await attemptVisuals(await readEvents(t.repo, t.id));
    expect(one!.dirFound).toBe(true);
    expect(one!.viewports.map((v) => v.found)).toEqual([true, false]);
    expect(two!.dirFound).toBe(false);
    expect(two!.viewports.map((v) => v.found)).toEqual([false, false]);
    expect(viewportLine(one!.viewports[1]!)).toBe(
      'phone 390x844 mobile  OVERFLOW: scrolls sideways  phone.png (missing)',
    );
  });

  it('tolerates events of an older or damaged log: missing fields, wrong types, paths out of the folder', async () => {
    const t = await visualTask();
    const shots = path.join(t.shots, '1');
    await logVisual(t.repo, t.id, shots, { attempt: 1 });
    const raw = (data: Record<string, unknown>) => appendEvent(t.repo, t.id, 'visual', data);
    await raw({ dir: shots }); // no attempt: not an attempt's
    await raw({ attempt: 'two', dir: shots });
    await raw({
      attempt: 2,
      dir: shots,
      viewports: [
        'desktop',
        null,
        { name: 'desktop', screenshot: '../../../etc/passwd', width: '1280', overflow: 'yes', console: -3 },
        { screenshot: 'phone.png' },
      ],
      errors: ['one', 7, null],
      error: '',
    });
    await raw({ attempt: 3 });
    const got = await attemptVisuals(await readEvents(t.repo, t.id));
    expect(got.map((v) => v.attempt)).toEqual([1, 2, 3]);
    const two = got[1]!;
    expect(two.errors).toEqual(['one']);
    expect(two).not.toHaveProperty('error');
    expect(two.viewports).toEqual([
      expect.objectContaining({
        name: 'desktop',
        width: 0,
        overflow: null,
        console: 0,
        description: null,
        file: path.join(shots, 'passwd'),
        found: false,
      }),
      expect.objectContaining({ name: 'phone', file: path.join(shots, 'phone.png'), found: true }),
    ]);
    expect(got[2]).toMatchObject({
      dir: '',
      dirFound: false,
      url: '',
      viewports: [],
      errors: [],
      durationMs: 0,
    });
    expect(await attemptVisuals([])).toEqual([]);
  });
});

describe('taskSpec', () => {
  it("takes the last spec event's, else the record's, else none", async () => {
    const t = await visualTask();
    const record = await readRecord(t.repo, t.id);
    expect(taskSpec(await readEvents(t.repo, t.id), record)).toBeNull();
    expect(taskSpec([], { spec: 'Two columns.' })).toEqual({ text: 'Two columns.', source: 'record' });
    expect(taskSpec([], { spec: '  ' })).toBeNull();
    await appendEvent(t.repo, t.id, 'spec', { attempt: 1, spec: 'One column.', source: 'user' });
    await appendEvent(t.repo, t.id, 'spec', { attempt: 1, spec: 'Cards stack on a phone.', source: 'model' });
    await appendEvent(t.repo, t.id, 'spec', { attempt: 2, spec: 42 });
    expect(taskSpec(await readEvents(t.repo, t.id), { spec: 'Two columns.' })).toEqual({
      text: 'Cards stack on a phone.',
      source: 'model',
    });
  });
});

describe('visual words', () => {
  it('cuts a description to a few lines and characters, and shows control characters', () => {
    expect(capText('one\n\ntwo\nthree\nfour\nfive', 3, 400)).toEqual(['one', 'two', 'three …']);
    expect(capText('x'.repeat(30), 4, 10)).toEqual([`${'x'.repeat(10)}…`]);
    expect(capText('a \x1b[2J red\tpage', 4, 400)).toEqual(['a ␛[2J red page']);
    expect(descriptionLines({ ...DESKTOP, file: '', found: false, description: '  ' })).toEqual([
      '(no description)',
    ]);
    expect(descriptionLines({ ...PHONE, file: '', found: false })).toEqual([
      '(no description: the describer timed out after 60s)',
    ]);
  });

  it('counts the browser errors and prints the first three', () => {
    expect(errorLines([])).toEqual(['no browser errors']);
    expect(errorLines(['a'])).toEqual(['1 browser error:', '  a']);
    expect(errorLines(['a', 'b\x07', 'c', 'd', 'e'])).toEqual([
      '5 browser errors:',
      '  a',
      '  b␇',
      '  c',
      '  … 2 more',
    ]);
  });
});
