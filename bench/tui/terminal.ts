import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/** One write Ink made to the terminal, stamped with performance.now(). */
export interface Written {
  at: number;
  text: string;
}

interface Waiter {
  match: (text: string) => boolean;
  resolve: (w: Written) => void;
}

/**
 * A terminal of a fixed size that keeps what is written to it, as a TTY would show it to Ink:
 * `isTTY`, columns and rows, so Ink draws the way it does on a real terminal (log-update,
 * throttled frames, synchronized output). A write is a function call, not a syscall.
 */
export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  writes: Written[] = [];

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }

  private waiters: Waiter[] = [];

  write = (data: string | Uint8Array): boolean => {
    const w = { at: performance.now(), text: typeof data === 'string' ? data : Buffer.from(data).toString() };
    this.writes.push(w);
    this.waiters = this.waiters.filter((x) => (x.match(w.text) ? (x.resolve(w), false) : true));
    return true;
  };

  /** The next write whose text matches, or a rejection after `timeoutMs` naming what was awaited. */
  next(match: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<Written> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        const last = this.writes[this.writes.length - 1]?.text ?? '(nothing written)';
        reject(new Error(`no frame with ${what} within ${timeoutMs} ms; the last write was:\n${last}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (w) => {
          clearTimeout(timer);
          resolve(w);
        },
      };
      this.waiters.push(waiter);
    });
  }
}

/** Keys arrive as a TTY in raw mode delivers them: one `readable` per read, drained with `read()`. */
export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;

  /** Sends one key, as its escape sequence: Ink reads it at once; React draws the update a tick later. */
  press(key: string): void {
    this.data = key;
    this.emit('readable');
    this.emit('data', key);
  }

  read(): string | null {
    const d = this.data;
    this.data = null;
    return d;
  }

  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** Keys as a terminal sends them. */
export const KEYS = { down: '\x1b[B', pageDown: '\x1b[6~', j: 'j', d: 'd' } as const;
