/**
 * One viewport of a capture: a fresh browser context of that size, the page loaded, what it
 * logged and what failed to load, whether it scrolls sideways, and a screenshot of the viewport
 * alone. A full-page screenshot would grow to fit the content and hide horizontal overflow.
 */
import type { Browser, Page } from 'playwright-core';
import { BoundedLog, capText } from './capture-bounds.js';
import type { ConsoleEntry, NetworkEntry, PageErrorEntry, Viewport, ViewportResult } from './visual-json.js';

export interface ViewportShot {
  result: ViewportResult;
  png: Buffer;
}

const isTimeout = (e: unknown) => e instanceof Error && e.name === 'TimeoutError';
const firstLine = (e: unknown) => capText((e instanceof Error ? e.message : String(e)).split('\n')[0]!);

/** Resolves with `p`'s value, or undefined once `ms` have passed (a page can block its own thread). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Console errors and warnings, uncaught exceptions, failed and >= 400 requests, until stopped. */
function collect(page: Page) {
  const log = {
    console: new BoundedLog<ConsoleEntry>(),
    pageErrors: new BoundedLog<PageErrorEntry>(),
    network: new BoundedLog<NetworkEntry>(),
    // Closing the context aborts whatever is still loading: that is not the page's fault.
    collecting: true,
  };
  page.on('console', (m) => {
    const type = m.type();
    if (!log.collecting || (type !== 'error' && type !== 'warning')) return;
    const at = m.location();
    log.console.push({
      type,
      text: capText(m.text()),
      ...(at.url ? { location: { url: capText(at.url), line: at.lineNumber, column: at.columnNumber } } : {}),
    });
  });
  page.on('pageerror', (e) => {
    if (!log.collecting) return;
    log.pageErrors.push({ message: capText(e.message), ...(e.stack ? { stack: capText(e.stack) } : {}) });
  });
  page.on('requestfailed', (r) => {
    if (!log.collecting) return;
    const failure = r.failure()?.errorText ?? 'failed';
    log.network.push({ url: capText(r.url()), method: r.method(), resourceType: r.resourceType(), failure });
  });
  page.on('response', (r) => {
    if (!log.collecting || r.status() < 400) return;
    const q = r.request();
    log.network.push({
      url: capText(r.url()),
      method: q.method(),
      resourceType: q.resourceType(),
      status: r.status(),
    });
  });
  return log;
}

/** The load event, then the network going idle, within `timeoutMs` in all; a timeout is recorded. */
async function load(page: Page, url: string, timeoutMs: number): Promise<ViewportResult['load']> {
  const deadline = performance.now() + timeoutMs;
  let status: number | undefined;
  try {
    status = (await page.goto(url, { waitUntil: 'load', timeout: timeoutMs }))?.status();
  } catch (e) {
    if (isTimeout(e)) return { timedOut: 'load' };
    return { error: firstLine(e) };
  }
  const withStatus = status === undefined ? {} : { status };
  try {
    await page.waitForLoadState('networkidle', { timeout: Math.max(1, deadline - performance.now()) });
  } catch (e) {
    if (isTimeout(e)) return { ...withStatus, timedOut: 'networkidle' };
    throw e;
  }
  return withStatus;
}

/** documentElement.clientWidth is the layout viewport; a phone's innerWidth grows with the content. */
const OVERFLOW = `(() => {
  const el = document.documentElement;
  return {
    horizontal: el.scrollWidth > el.clientWidth,
    scrollWidth: el.scrollWidth,
    clientWidth: el.clientWidth,
    innerWidth: window.innerWidth,
  };
})()`;

/** null when the page cannot say: it is busy, or it navigated away while asked (a fact lost, not an error). */
async function measureOverflow(page: Page, timeoutMs: number): Promise<ViewportResult['overflow']> {
  const asked = page.evaluate<NonNullable<ViewportResult['overflow']>>(OVERFLOW).catch(() => null);
  return (await within(asked, timeoutMs)) ?? null;
}

/** What Chromium says when the page has no frame to give yet (seen on error pages, under load). */
const NO_FRAME = /Unable to capture screenshot/;

/**
 * The viewport's screenshot. Chromium sometimes has no frame to give just after a navigation
 * (its error page included, on a loaded machine): asked again a moment later, it has.
 */
export async function screenshot(page: Pick<Page, 'screenshot'>, timeoutMs: number): Promise<Buffer> {
  const deadline = performance.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    try {
      return await page.screenshot({
        type: 'png',
        fullPage: false,
        timeout: Math.max(1, deadline - performance.now()),
      });
    } catch (e) {
      if (tries >= 5 || !(e instanceof Error) || !NO_FRAME.test(e.message) || performance.now() >= deadline)
        throw e;
      await new Promise((r) => setTimeout(r, 100 * tries));
    }
  }
}

export async function captureViewport(
  browser: Browser,
  url: string,
  vp: Viewport,
  timeoutMs: number,
): Promise<ViewportShot> {
  const mobile = vp.mobile ?? false;
  // Scale 1 on a phone too, so the PNG has the viewport's size in pixels.
  const deviceScaleFactor = 1;
  const context = await browser.newContext({
    viewport: { width: vp.width, height: vp.height },
    isMobile: mobile,
    hasTouch: mobile,
    deviceScaleFactor,
  });
  try {
    const page = await context.newPage();
    const log = collect(page);
    const t0 = performance.now();
    const loaded = await load(page, url, timeoutMs);
    const loadMs = performance.now() - t0;
    // A page that did not load shows the browser's error page, whose width says nothing.
    if (loaded.error) await page.waitForLoadState('load', { timeout: timeoutMs }).catch(() => {});
    const overflow = loaded.error ? null : await measureOverflow(page, timeoutMs);
    const t1 = performance.now();
    const png = await screenshot(page, timeoutMs);
    const screenshotMs = performance.now() - t1;
    log.collecting = false;
    return {
      png,
      result: {
        name: vp.name,
        width: vp.width,
        height: vp.height,
        mobile,
        screenshot: `${vp.name}.png`,
        deviceScaleFactor,
        load: loaded,
        overflow,
        console: log.console.toJSON(),
        pageErrors: log.pageErrors.toJSON(),
        network: log.network.toJSON(),
        timings: { loadMs, screenshotMs },
      },
    };
  } finally {
    await context.close().catch(() => {});
  }
}
