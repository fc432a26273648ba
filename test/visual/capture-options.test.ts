/** What capture() refuses before it starts any browser (so these need none). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/visual/capture.js';
import { BoundedLog, capText, MAX_ENTRIES } from '../../src/visual/capture-bounds.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const desktop = { name: 'desktop', width: 1280, height: 800 };
// A path that would fail at launch: a refusal must come before it is used.
const browser = '/nonexistent/chromium';

describe('capture refuses what it cannot capture, before launching anything', () => {
  const cases: [string, Parameters<typeof capture>[0]['viewports'], string, RegExp][] = [
    ['an unfilled {port}', [desktop], 'http://127.0.0.1:{port}/', /is not a URL/],
    ['a relative path', [desktop], 'index.html', /is not a URL/],
    ['another scheme', [desktop], 'ftp://example.com/', /not an http:\/\/, https:\/\/ or file:\/\/ URL/],
    ['no viewport', [], 'http://127.0.0.1:1/', /no viewport/],
    [
      'a name that is a path',
      [{ ...desktop, name: '../escape' }],
      'http://127.0.0.1:1/',
      /not a plain file name/,
    ],
    [
      'two viewports of one name',
      [desktop, desktop],
      'http://127.0.0.1:1/',
      /two viewports are named desktop/,
    ],
    ['a zero width', [{ ...desktop, width: 0 }], 'http://127.0.0.1:1/', /1 to 10000 pixels/],
    ['a fractional height', [{ ...desktop, height: 80.5 }], 'http://127.0.0.1:1/', /1 to 10000 pixels/],
  ];
  for (const [what, viewports, url, message] of cases)
    it(`refuses ${what}`, async () => {
      const outDir = path.join(await tempDir(), 'out');
      await expect(capture({ url, viewports, outDir, browser })).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(message),
      });
      expect(existsSync(outDir)).toBe(false);
    });

  it('rejects at once with the reason when already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled before it began'));
    const outDir = path.join(await tempDir(), 'out');
    await expect(
      capture({ url: 'http://127.0.0.1:1/', viewports: [desktop], outDir, browser, signal: ac.signal }),
    ).rejects.toThrow('cancelled before it began');
    expect(existsSync(outDir)).toBe(false);
  });
});

describe('what a capture keeps is bounded', () => {
  it('keeps the first entries and counts the rest', () => {
    const log = new BoundedLog<number>();
    for (let i = 0; i < MAX_ENTRIES + 7; i++) log.push(i);
    expect(log.toJSON().entries).toHaveLength(MAX_ENTRIES);
    expect(log.toJSON().entries[0]).toBe(0);
    expect(log.toJSON().dropped).toBe(7);
  });

  it('cuts long text and says how much was cut; short text stays as it is', () => {
    expect(capText('short')).toBe('short');
    expect(capText('x'.repeat(2010))).toBe(`${'x'.repeat(2000)}… (10 more characters)`);
  });
});
