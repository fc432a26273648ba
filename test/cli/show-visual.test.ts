/** `factory show` with the visual check: each attempt's viewports, descriptions, errors and folder, and the spec. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/tasks/record.js';
import { cleanupTemps, makeRepo, runCli, tempDir } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { DESKTOP, logVisual } from '../helpers/visual-events.js';

afterAll(cleanupTemps);

describe('factory show: the visual check', () => {
  it('prints each attempt that was looked at, the spec once, and the same in --json', async () => {
    const dir = await makeRepo({ 'index.html': '<p>hi</p>\n' });
    const t = await taskWithAttempts(dir, 'Style the page', [
      { files: { 'index.html': '<p>one</p>\n' }, exit: 1 },
      { files: { 'index.html': '<p>two</p>\n' }, exit: 0 },
      { files: { 'index.html': '<p>three</p>\n' }, exit: 0 },
    ]);
    const shots = await tempDir('factory-shots-');
    await appendEvent(t.repo, t.id, 'spec', {
      attempt: 1,
      spec: 'Desktop: three cards in a row.\nPhone: one column.',
      source: 'model',
    });
    await logVisual(t.repo, t.id, path.join(shots, '2'), {
      attempt: 2,
      viewports: [
        {
          ...DESKTOP,
          description: `Line one \x1b]0;owned\x07 of the page.\n${['two', 'three', 'four', 'five', 'six'].map((w) => `Line ${w}.`).join('\n')}`,
        },
      ],
      errors: ['console error: a', 'page error: b', 'request failed: GET /x.css 404', 'console warning: d'],
    });
    await logVisual(t.repo, t.id, path.join(shots, '3'), {
      attempt: 3,
      error: 'the app did not start: exit 1',
    });
    await rm(path.join(shots, '3'), { recursive: true });

    const r = await runCli(dir, ['show', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '  spec     Desktop: three cards in a row.\n           Phone: one column. (written by the model: the task gave none)\n',
    );
    expect(r.stdout.match(/spec/g)).toHaveLength(1);
    // Attempt 1 had no visual check: no block under it.
    expect(r.stdout).toMatch(/attempt 1\.1: failed[^\n]*\n {2}1\.1\.1 [^\n]*\n\nattempt 1\.2/);
    const two = r.stdout.slice(r.stdout.indexOf('attempt 1.2'), r.stdout.indexOf('attempt 1.3'));
    expect(two).toContain(
      [
        '  visual check http://127.0.0.1:5173/  2.3s',
        '    desktop 1280x800  no overflow  desktop.png',
        '      Line one ␛]0;owned␇ of the page.',
        '      Line two.',
        '      Line three.',
        '      Line four. …',
        '    4 browser errors:',
        '      console error: a',
        '      page error: b',
        '      request failed: GET /x.css 404',
        '      … 1 more',
        `    folder ${path.join(shots, '2')}`,
      ].join('\n'),
    );
    expect(two).not.toContain('Line five');
    const three = r.stdout.slice(r.stdout.indexOf('attempt 1.3'));
    expect(three).toContain(
      '  visual check http://127.0.0.1:5173/  2.3s\n    could not look: the app did not start: exit 1\n',
    );
    expect(three).toContain('    desktop 1280x800  no overflow  desktop.png (missing)\n');
    expect(three).toContain(
      '    phone 390x844 mobile  OVERFLOW: scrolls sideways  phone.png (missing)\n      (no description: the describer timed out after 60s)\n',
    );
    expect(three).toContain(`    folder ${path.join(shots, '3')} (deleted)`);

    const json = JSON.parse((await runCli(dir, ['show', '1', '--json'])).stdout);
    expect(json.spec).toEqual({
      text: 'Desktop: three cards in a row.\nPhone: one column.',
      source: 'model',
    });
    expect(json.visualChecks.map((v: { attempt: number }) => v.attempt)).toEqual([2, 3]);
    expect(json.visualChecks[0]).toMatchObject({
      dir: path.join(shots, '2'),
      dirFound: true,
      errors: ['console error: a', 'page error: b', 'request failed: GET /x.css 404', 'console warning: d'],
      viewports: [{ name: 'desktop', file: path.join(shots, '2', 'desktop.png'), found: true }],
    });
    expect(json.visualChecks[1]).toMatchObject({ error: 'the app did not start: exit 1', dirFound: false });
  });
});
