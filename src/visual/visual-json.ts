/**
 * What a capture records: the shape of visual.json, and writing it with the screenshots.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BoundedList } from './capture-bounds.js';

export interface Viewport {
  /** Also the screenshot's file name: `<name>.png`. */
  name: string;
  width: number;
  height: number;
  /** A phone: touch events, and the page's meta viewport honoured as a phone does. */
  mobile?: boolean;
}

export interface ConsoleEntry {
  type: 'error' | 'warning';
  text: string;
  /** Where the page logged it (a script, or the resource that failed to load). */
  location?: { url: string; line: number; column: number };
}

/** An uncaught exception in the page. */
export interface PageErrorEntry {
  message: string;
  stack?: string;
}

/** A request that failed (no response) or was answered with a status of 400 or more. */
export interface NetworkEntry {
  url: string;
  method: string;
  resourceType: string;
  status?: number;
  /** The browser's reason when there was no response (net::ERR_…). */
  failure?: string;
}

export interface ViewportResult extends Required<Viewport> {
  /** The screenshot's file name in the output folder. */
  screenshot: string;
  /** Device pixels per CSS pixel; 1, so the PNG is width x height pixels. */
  deviceScaleFactor: number;
  load: {
    /** The HTTP status of the page itself, where there was a response (file:// gives 200 too). */
    status?: number;
    /** Why the page did not load (the screenshot then shows the browser's error page). */
    error?: string;
    /** Which wait ran out: the load event, or the network going idle. Not fatal: the screenshot is taken. */
    timedOut?: 'load' | 'networkidle';
  };
  /**
   * `horizontal`: the page is wider than the viewport, it scrolls sideways (scrollWidth >
   * clientWidth of the root element). null when the page did not load, or did not answer (its
   * own script kept it busy, or it navigated away).
   */
  overflow: { horizontal: boolean; scrollWidth: number; clientWidth: number; innerWidth: number } | null;
  console: BoundedList<ConsoleEntry>;
  pageErrors: BoundedList<PageErrorEntry>;
  network: BoundedList<NetworkEntry>;
  timings: { loadMs: number; screenshotMs: number };
}

export interface VisualCapture {
  version: 1;
  url: string;
  startedAt: string;
  browser: { path: string; version: string; sandbox: boolean; noSandboxReason?: string };
  viewports: ViewportResult[];
  /** launch: start to a browser that answers; total: start to the screenshots written (visual.json is next). */
  timings: { launchMs: number; totalMs: number };
  /** What the describer said of each screenshot (added after the capture); never a verdict. */
  descriptions?: {
    viewport: string;
    text?: string;
    error?: string;
    cut: boolean;
    model?: string;
  }[];
}

export const VISUAL_JSON = 'visual.json';

/** Write-then-rename, so a reader never sees half a file. */
async function writeWhole(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** The screenshots first, then visual.json, which thereby says that the capture is complete. */
export async function writeCapture(
  dir: string,
  shots: { file: string; png: Uint8Array }[],
  record: () => VisualCapture,
): Promise<VisualCapture> {
  await mkdir(dir, { recursive: true });
  for (const s of shots) await writeWhole(path.join(dir, s.file), s.png);
  const rec = record();
  await writeWhole(path.join(dir, VISUAL_JSON), `${JSON.stringify(rec, null, 2)}\n`);
  return rec;
}

/** visual.json again, with what the describer said of each screenshot. */
export async function addDescriptions(
  dir: string,
  rec: VisualCapture,
  said: readonly {
    viewport: { name: string };
    text?: string;
    error?: string;
    cut: boolean;
    model?: string;
  }[],
): Promise<VisualCapture> {
  const withText: VisualCapture = {
    ...rec,
    descriptions: said.map((d) => ({
      viewport: d.viewport.name,
      ...(d.text !== undefined ? { text: d.text } : {}),
      ...(d.error !== undefined ? { error: d.error } : {}),
      cut: d.cut,
      ...(d.model !== undefined ? { model: d.model } : {}),
    })),
  };
  await writeWhole(path.join(dir, VISUAL_JSON), `${JSON.stringify(withText, null, 2)}\n`);
  return withText;
}
