/**
 * Runs a model-given regular expression off the main thread, under a deadline. JavaScript's
 * regex engine backtracks: `^(a|a)*$` on forty a's and a "!" runs for minutes and cannot be
 * interrupted from inside. In a worker it can: the worker is terminated at the deadline and the
 * main thread (signals, the queue, the other tasks) never stops.
 *
 * The worker's code is a plain string, not a file: it needs nothing but the text it is given,
 * and a string survives any bundling of the published CLI.
 */
import { Worker } from 'node:worker_threads';

/** Longest pattern a model may give: a real search never needs more. */
export const MAX_PATTERN_CHARS = 1000;
/** Time one file of at most 1 MiB may take; a sane pattern needs milliseconds. */
export const DEFAULT_REGEX_FILE_MS = 2000;
/** Time all files of one search may take together. */
export const DEFAULT_REGEX_TOTAL_MS = 10_000;

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.source, workerData.flags);
parentPort.on('message', (m) => {
  const lines = m.text.split(/\\r?\\n/);
  const hits = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > m.maxLine) continue;
    re.lastIndex = 0;
    if (re.test(line)) hits.push(i);
  }
  parentPort.postMessage({ id: m.id, hits });
});
`;

export class RegexTimeout extends Error {}

export interface RegexWorkerOptions {
  fileMs?: number;
  totalMs?: number;
  /** Lines longer than this are skipped (minified bundles, data). */
  maxLine: number;
}

/** One search's worker: `matchLines` per file, then `close`. */
export class RegexWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private spentMs = 0;
  private readonly fileMs: number;
  private readonly totalMs: number;

  constructor(
    readonly re: RegExp,
    private readonly opts: RegexWorkerOptions,
  ) {
    this.fileMs = opts.fileMs ?? DEFAULT_REGEX_FILE_MS;
    this.totalMs = opts.totalMs ?? DEFAULT_REGEX_TOTAL_MS;
    this.worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { source: re.source, flags: re.flags },
      // A pattern that builds huge intermediate state must not take the process with it.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    // Never keeps the process alive by itself; errors surface through `matchLines`.
    this.worker.unref();
    this.worker.on('error', () => {});
  }

  /** Indices of the lines of `text` the pattern matches; throws RegexTimeout past a deadline. */
  matchLines(text: string): Promise<number[]> {
    const id = this.nextId++;
    const left = Math.min(this.fileMs, this.totalMs - this.spentMs);
    const started = Date.now();
    return new Promise<number[]>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        this.worker.off('exit', onExit);
        this.spentMs += Date.now() - started;
      };
      const onMessage = (m: { id: number; hits: number[] }) => {
        if (m.id !== id) return;
        done();
        resolve(m.hits);
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const onExit = () => {
        done();
        reject(new Error('the search worker stopped'));
      };
      const timer = setTimeout(
        () => {
          done();
          void this.worker.terminate();
          reject(new RegexTimeout(this.spentMs + left >= this.totalMs ? 'total' : 'file'));
        },
        Math.max(1, left),
      );
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.on('exit', onExit);
      this.worker.postMessage({ id, text, maxLine: this.opts.maxLine });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
