/**
 * Chromium sometimes answers a screenshot with "Unable to capture screenshot" and takes the same
 * picture when asked again (seen in CI on the error page of a port nothing listens on). The
 * capture asks again, within its time limit, for that refusal only. The page here stands in for
 * Playwright's to count the asks; the real browser's path is in test/e2e/visual-capture.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { screenshot } from '../../src/visual/capture-viewport.js';

const REFUSED = 'page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot';
const PNG = Buffer.from('png');

/** A page whose screenshot fails with each of `errors` in turn, then succeeds. */
function page(errors: string[]) {
  const asked: number[] = [];
  return {
    asked,
    screenshot: async (o?: { timeout?: number }) => {
      asked.push(o?.timeout ?? -1);
      const e = errors.shift();
      if (e !== undefined) throw new Error(e);
      return PNG;
    },
  };
}

describe('the viewport screenshot', () => {
  it('asks again after Chromium refused, and gets the picture', async () => {
    const p = page([REFUSED, REFUSED]);
    await expect(screenshot(p, 30_000)).resolves.toBe(PNG);
    expect(p.asked).toHaveLength(3);
    // Each ask gets what is left of the one time limit, never a fresh one.
    expect(p.asked[2]!).toBeLessThanOrEqual(p.asked[0]!);
  });

  it('gives up after five refusals with the browser error', async () => {
    const p = page(Array(9).fill(REFUSED));
    await expect(screenshot(p, 30_000)).rejects.toThrow('Unable to capture screenshot');
    expect(p.asked).toHaveLength(5);
  });

  it('does not ask again for any other error', async () => {
    const p = page(['page.screenshot: Target page, context or browser has been closed']);
    await expect(screenshot(p, 30_000)).rejects.toThrow('has been closed');
    expect(p.asked).toHaveLength(1);
  });
});
