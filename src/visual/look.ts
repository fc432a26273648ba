/**
 * One attempt's visual check: start the task's app on its own port, capture every viewport, have
 * each screenshot described, stop the app. What it saw comes back as a VisualLook for the judge;
 * the PNGs and visual.json (with the descriptions) stay in the folder given, outside the branch.
 * A page that cannot be looked at (the app does not start, the capture fails) is a result with an
 * `error`, not an exception: the attempt fails and the next one is told why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { SandboxPlan } from '../agent/os-sandbox/index.js';
import type { Prompts } from '../agent/prompts/index.js';
import type { VisualLook } from '../agent/types.js';
import type { Inference } from '../llm/inference.js';
import { FactoryError } from '../errors.js';
import { AppStartError, startApp, type RunningApp } from './app.js';
import { appTargets, reservePort } from './ports.js';
import { capture } from './capture.js';
import { describeScreenshots, type DescriberEndpoint, type Description } from './describe.js';
import { errorLines } from './look-errors.js';
import { addDescriptions, type VisualCapture } from './visual-json.js';

export interface LookOptions {
  visual: NonNullable<Config['visual']>;
  worktree: string;
  /** The attempt's folder for the screenshots and visual.json. */
  outDir: string;
  inference: Inference;
  /** The queue key of the task (its requests and the describer's share one lane). */
  task: string;
  describer: DescriberEndpoint;
  prompts: Pick<Prompts, 'describer'>;
  signal: AbortSignal;
  /** The check's sandbox plan; the app runs in it with the network on. */
  sandbox?: SandboxPlan;
  /** The app's process group as soon as it exists; returns what to call once it is gone. */
  trackGroup?: (pid: number) => () => void;
  firstTokenMs?: number;
  idleTimeoutMs?: number;
}

function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export async function lookAtPage(o: LookOptions): Promise<VisualLook> {
  const t0 = performance.now();
  const failed = (url: string, error: string): VisualLook => ({
    dir: o.outDir,
    url,
    viewports: [],
    errors: [],
    error,
    durationMs: Math.round(performance.now() - t0),
  });
  const port = await reservePort();
  let app: RunningApp | undefined;
  let untrack: (() => void) | undefined;
  let shot: VisualCapture;
  let url = o.visual.url;
  try {
    const targets = appTargets(o.visual, port.port, o.worktree);
    url = targets.url;
    if (targets.command && targets.readyUrl) {
      app = await startApp({
        command: targets.command,
        cwd: o.worktree,
        port: port.port,
        readyUrl: targets.readyUrl,
        url: targets.url,
        readyTimeoutMs: o.visual.readyTimeout * 1000,
        signal: o.signal,
        ...(o.sandbox ? { sandbox: o.sandbox } : {}),
        ...(o.trackGroup ? { onSpawn: (pid: number) => (untrack = o.trackGroup!(pid)) } : {}),
      });
    }
    shot = await capture({
      url: targets.url,
      viewports: o.visual.viewports,
      outDir: o.outDir,
      ...(o.visual.browser ? { browser: o.visual.browser } : {}),
      signal: o.signal,
    });
  } catch (e) {
    if (o.signal.aborted) throw cancelled(o.signal);
    if (e instanceof AppStartError || e instanceof FactoryError) return failed(url, e.message);
    throw e;
  } finally {
    await app?.stop();
    untrack?.();
    port.release();
  }

  const images = await Promise.all(
    shot.viewports.map(async (v) => ({
      viewport: { name: v.name, width: v.width, height: v.height, mobile: v.mobile },
      png: await readFile(path.join(o.outDir, v.screenshot)),
    })),
  );
  const said = await describeScreenshots({
    inference: o.inference,
    task: o.task,
    images,
    describer: o.describer,
    prompts: o.prompts,
    signal: o.signal,
    ...(o.firstTokenMs !== undefined ? { firstTokenMs: o.firstTokenMs } : {}),
    ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
  });
  await addDescriptions(o.outDir, shot, said);
  return toLook(o.outDir, shot, said, Math.round(performance.now() - t0));
}

function toLook(dir: string, shot: VisualCapture, said: Description[], durationMs: number): VisualLook {
  return {
    dir,
    url: shot.url,
    viewports: shot.viewports.map((v, i) => {
      const d = said[i];
      return {
        name: v.name,
        width: v.width,
        height: v.height,
        mobile: v.mobile,
        screenshot: v.screenshot,
        description: d?.text ?? null,
        ...(d?.error ? { describeError: d.error } : {}),
        overflow: v.overflow ? v.overflow.horizontal : null,
        ...(v.overflow?.horizontal ? { scrollWidth: v.overflow.scrollWidth } : {}),
        console: v.console.entries.length + v.console.dropped,
        pageErrors: v.pageErrors.entries.length + v.pageErrors.dropped,
        network: v.network.entries.length + v.network.dropped,
      };
    }),
    errors: errorLines(shot.viewports),
    durationMs,
    usage: {
      promptTokens: said.reduce((n, d) => n + (d.usage?.promptTokens ?? 0), 0),
      completionTokens: said.reduce((n, d) => n + (d.usage?.completionTokens ?? 0), 0),
    },
  };
}
