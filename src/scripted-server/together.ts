/**
 * `together: N` on a reply: its requests are held until N of them are in flight at once, then
 * all go. A test that must see requests served side by side waits for that condition instead of
 * hoping a slow reply makes them overlap (which a loaded machine does not promise). A product that
 * never sends N at once is answered after `maxWaitMs` anyway, and the overlap a test checks fails.
 */
export class Together {
  private waiting: (() => void)[] = [];

  constructor(private readonly maxWaitMs = 60_000) {}

  /** Resolves when `n` requests wait here (or the wait is over); false if `signal` ended it. */
  gather(n: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const go = (ok: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        this.waiting = this.waiting.filter((w) => w !== release);
        resolve(ok);
      };
      const release = () => go(true);
      const abort = () => go(false);
      const timer = setTimeout(release, this.maxWaitMs);
      signal.addEventListener('abort', abort, { once: true });
      this.waiting.push(release);
      if (this.waiting.length >= n) for (const w of [...this.waiting]) w();
    });
  }
}
