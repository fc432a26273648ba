import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../../src/git/repo.js';
import type { LoopEvent, VisualViewportEvent } from '../../src/agent/loop.js';
import { appendEvent } from '../../src/tasks/record.js';
import { solidPng } from './png.js';

type VisualEvent = Extract<LoopEvent, { type: 'visual' }>;

export const DESKTOP: VisualViewportEvent = {
  name: 'desktop',
  width: 1280,
  height: 800,
  mobile: false,
  screenshot: 'desktop.png',
  description: 'A landing page: a dark header with the logo on the left, three pricing cards in a row.',
  overflow: false,
  console: 1,
  pageErrors: 1,
  network: 0,
};

export const PHONE: VisualViewportEvent = {
  name: 'phone',
  width: 390,
  height: 844,
  mobile: true,
  screenshot: 'phone.png',
  description: null,
  describeError: 'the describer timed out after 60s',
  overflow: true,
  console: 1,
  pageErrors: 1,
  network: 0,
};

/**
 * An attempt's visual check as the loop logs it: real PNG screenshots in `dir` (one per viewport)
 * and the `visual` event in the task's log.
 */
export async function logVisual(
  repo: Repo,
  id: number,
  dir: string,
  over: Partial<Omit<VisualEvent, 'type'>> & { attempt: number },
): Promise<Omit<VisualEvent, 'type'>> {
  const event: Omit<VisualEvent, 'type'> = {
    dir,
    url: 'http://127.0.0.1:5173/',
    viewports: [DESKTOP, PHONE],
    errors: ['console error: Uncaught TypeError: price is undefined (app.js:12:5)'],
    durationMs: 2300,
    ...over,
  };
  await mkdir(dir, { recursive: true });
  for (const v of event.viewports)
    await writeFile(path.join(dir, v.screenshot), solidPng(Math.min(v.width, 64), Math.min(v.height, 64)));
  await appendEvent(repo, id, 'visual', event);
  return event;
}
