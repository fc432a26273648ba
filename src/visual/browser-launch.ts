/**
 * Starts headless Chromium through playwright-core, with flags that work in a closed network and
 * as root. playwright-core is imported here, lazily: only a visual check pays for loading it.
 */
import type { Browser } from 'playwright-core';
import { FactoryError } from '../errors.js';
import { chromiumSandbox, type SandboxDecision } from './browser-sandbox.js';
import { launchMarker, sweepMarked } from './browser-sweep.js';

/**
 * Nothing the capture needs reaches the network on its own: no GPU (headless servers have none),
 * no QUIC, no first-run pages, no background fetches, component updates or sync. Playwright adds
 * --headless and, when the sandbox is off, --no-sandbox; it also gives each launch a fresh
 * profile in the temp folder (it refuses --user-data-dir in `args`) and removes it when the
 * browser exits, also when it is killed.
 */
export const CHROMIUM_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DEFAULT_LAUNCH_TIMEOUT_MS = 30_000;

export interface LaunchOptions {
  executablePath: string;
  /** The sandbox decision; chromiumSandbox() for this machine by default. */
  sandbox?: SandboxDecision;
  /** A browser that has not answered by then is killed (its whole process group). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser, then kills whatever of it is still alive. Always call it. */
  close: () => Promise<void>;
  sandbox: SandboxDecision;
  version: string;
  launchMs: number;
}

/** What Playwright says when Chromium's sandbox could not start (it rewrites Chromium's log). */
const SANDBOX_FAILED = /sandboxing failed|No usable sandbox/i;

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the visual capture was cancelled');
}

async function launchOnce(o: LaunchOptions, sandbox: boolean, marker: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: o.executablePath,
    headless: true,
    chromiumSandbox: sandbox,
    args: [...CHROMIUM_FLAGS, marker],
    timeout: o.timeoutMs ?? DEFAULT_LAUNCH_TIMEOUT_MS,
    // factory handles Ctrl-C and termination itself (they abort the capture, which closes the
    // browser); Playwright's handlers would exit the process or keep it alive on SIGTERM. The
    // browser still dies with this process: Playwright drives it over a pipe, which closes then,
    // and kills it on 'exit'.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

function launchFailure(e: unknown, o: LaunchOptions): FactoryError {
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && e.name === 'TimeoutError') {
    const s = Math.round((o.timeoutMs ?? DEFAULT_LAUNCH_TIMEOUT_MS) / 1000);
    return new FactoryError(`the browser did not start within ${s} s and was killed: ${o.executablePath}`, {
      cause: e,
      hint: 'check that it starts by hand: <browser> --headless --dump-dom about:blank',
    });
  }
  const firstLines = text.split('\n').slice(0, 6).join('\n');
  return new FactoryError(`the browser failed to start: ${o.executablePath}\n${firstLines}`, { cause: e });
}

async function launchWithSandboxFallback(o: LaunchOptions, decision: SandboxDecision, marker: string) {
  try {
    return { browser: await launchOnce(o, decision.sandbox, marker), sandbox: decision };
  } catch (e) {
    // The sysctls can say yes while a container's seccomp filter still forbids namespaces.
    if (!decision.sandbox || !(e instanceof Error) || !SANDBOX_FAILED.test(e.message)) throw e;
    const sandbox = { sandbox: false, reason: "Chromium's sandbox failed to start here" };
    return { browser: await launchOnce(o, false, marker), sandbox };
  }
}

/**
 * Launches the browser. On abort it still waits for a launch under way to end (it is bounded by
 * the timeout) and closes the browser before it rejects, so no browser outlives the call.
 */
export async function launchBrowser(o: LaunchOptions): Promise<LaunchedBrowser> {
  o.signal?.throwIfAborted();
  const t0 = performance.now();
  const marker = launchMarker();
  let launched: Awaited<ReturnType<typeof launchWithSandboxFallback>>;
  try {
    launched = await launchWithSandboxFallback(o, o.sandbox ?? chromiumSandbox(), marker);
  } catch (e) {
    // Playwright kills a browser that timed out only after a grace period of its own.
    await sweepMarked(marker);
    if (o.signal?.aborted) throw abortError(o.signal);
    throw launchFailure(e, o);
  }
  const { browser } = launched;
  const close = async () => {
    try {
      await browser.close();
    } finally {
      await sweepMarked(marker);
    }
  };
  if (o.signal?.aborted) {
    await close();
    throw abortError(o.signal);
  }
  return { ...launched, close, version: browser.version(), launchMs: performance.now() - t0 };
}
