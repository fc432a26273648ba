/**
 * The latency model: a server reads the prompt at `prefillTps`, writes at `decodeTps`, and
 * serves `slots` requests at once (one, for mlx_lm.server); the rest wait inside the server,
 * as they would on the real one.
 */
export interface Latency {
  prefillTps: number;
  decodeTps: number;
  slots: number;
}

/** Milliseconds since the epoch, with sub-millisecond precision, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks which). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** FIFO slots: a request that cannot be served yet waits its turn. */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** False when `signal` aborted while waiting: the request went away before its turn. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const turn = () => {
        signal.removeEventListener('abort', leave);
        resolve(true);
      };
      const leave = () => {
        const i = this.waiting.indexOf(turn);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      };
      this.waiting.push(turn);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next request, so `busy` stays the same.
    if (next) next();
    else this.busy--;
  }
}
