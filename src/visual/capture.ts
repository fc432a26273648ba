/**
 * The visual check's capture: headless Chromium loads one URL at each viewport, and the
 * screenshots and visual.json go to a folder the caller gives. Core code: no Ink, no React, and
 * playwright-core is loaded only when a capture runs.
 */
import { FactoryError, refuse } from '../errors.js';
import { abortError, launchBrowser } from './browser-launch.js';
import { findBrowser } from './browser.js';
import { captureViewport } from './capture-viewport.js';
import { writeCapture, type Viewport, type VisualCapture } from './visual-json.js';

export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
/** Larger than any phone or desktop screen, smaller than Chromium's largest surface. */
const MAX_SIDE = 10_000;
/** A viewport's name is its screenshot's file name. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface CaptureOptions {
  /** The final URL: http(s) with the port already filled in, or file://. */
  url: string;
  viewports: Viewport[];
  /** Where `<viewport>.png` and visual.json go; created when missing. */
  outDir: string;
  /** The browser executable; findBrowser() (PATH) when absent. */
  browser?: string;
  /** Per viewport: the load event and the network going idle, in all. A timeout is recorded, not fatal. */
  idleTimeoutMs?: number;
  /** A browser that has not started by then is killed. */
  launchTimeoutMs?: number;
  /** Aborting closes the browser; capture() then rejects with the signal's reason. */
  signal?: AbortSignal;
}

function checkOptions(o: CaptureOptions): void {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw refuse(`visual: ${o.url} is not a URL`, 'give an http://, https:// or file:// URL');
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol))
    throw refuse(`visual: ${o.url} is not an http://, https:// or file:// URL`);
  if (o.viewports.length === 0) throw refuse('visual: no viewport to capture');
  const names = new Set<string>();
  for (const v of o.viewports) {
    if (!SAFE_NAME.test(v.name))
      throw refuse(
        `visual: viewport name ${JSON.stringify(v.name)} is not a plain file name`,
        'use letters, digits, - and _',
      );
    if (names.has(v.name)) throw refuse(`visual: two viewports are named ${v.name}`);
    names.add(v.name);
    for (const side of [v.width, v.height])
      if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE)
        throw refuse(
          `visual: viewport ${v.name} must be 1 to ${MAX_SIDE} pixels wide and high, as whole numbers`,
        );
  }
}

/** Rejects when the signal aborts; never settles otherwise. */
function whenAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => {}), dispose: () => {} };
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal));
    // Aborted already (between the launch and here): the event has fired.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Captures every viewport (side by side, in one browser), closes the browser whatever happens,
 * then writes the PNGs and visual.json to `outDir` and returns what visual.json holds.
 */
export async function capture(o: CaptureOptions): Promise<VisualCapture> {
  checkOptions(o);
  o.signal?.throwIfAborted();
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const executablePath = o.browser ?? findBrowser();
  const timeoutMs = o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const launched = await launchBrowser({
    executablePath,
    signal: o.signal,
    ...(o.launchTimeoutMs !== undefined ? { timeoutMs: o.launchTimeoutMs } : {}),
  });
  const abort = whenAborted(o.signal);
  let shots;
  try {
    const work = Promise.all(
      o.viewports.map((v) =>
        captureViewport(launched.browser, o.url, v, timeoutMs).catch((e: unknown) => {
          const text = e instanceof Error ? e.message : String(e);
          throw new FactoryError(`visual: the ${v.name} capture failed: ${text.split('\n')[0]}`, {
            cause: e,
          });
        }),
      ),
    );
    // After an abort the pages fail as the browser closes under them: nobody waits for that.
    work.catch(() => {});
    shots = await Promise.race([work, abort.promise]);
  } finally {
    abort.dispose();
    await launched.close();
  }
  o.signal?.throwIfAborted();
  return writeCapture(
    o.outDir,
    shots.map((s) => ({ file: s.result.screenshot, png: s.png })),
    () => ({
      version: 1,
      url: o.url,
      startedAt,
      browser: {
        path: executablePath,
        version: launched.version,
        sandbox: launched.sandbox.sandbox,
        ...(launched.sandbox.reason ? { noSandboxReason: launched.sandbox.reason } : {}),
      },
      viewports: shots.map((s) => s.result),
      timings: { launchMs: launched.launchMs, totalMs: performance.now() - t0 },
    }),
  );
}
