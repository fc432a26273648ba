import type { Key } from 'ink';
import { firstKey, isRun, type KeyPress } from '../split-keys.js';

export type KeyHandler = (input: string, key: Key) => void;

/** One component's interest in keys; the component keeps it current after every commit. */
export interface KeyEntry {
  handler: KeyHandler;
  active: boolean;
  /** Takes a run of typed characters whole (a text field): a paste stays text, never keys. */
  text: boolean;
}

/**
 * Every key of the review goes through here, one at a time, each after the frame of the one
 * before it has been committed. Handlers read their screen's state from the last render; two
 * keys handled in the same render would both see the state from before the first one (`j j`
 * would move one row, `k Enter` would open the row it started from).
 */
export class KeyBus {
  private readonly entries: KeyEntry[] = [];
  private readonly queue: KeyPress[] = [];
  /** The frame asked for after the last key; 0 when no key waits for its frame. */
  private awaited = 0;
  private frames = 0;
  private requestFrame: (frame: number) => void = () => undefined;

  constructor(private readonly onError: (e: unknown) => void) {}

  register(entry: KeyEntry): () => void {
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /**
   * How to ask React for a commit of frame number `frame`, committed together with what the key
   * changed; the next key is handled from the effect of that very commit.
   */
  setFrameRequest(request: (frame: number) => void): void {
    this.requestFrame = request;
  }

  /** An input as Ink delivers it: one key, an escape sequence, or a run of characters. */
  push(input: string, key: Key): void {
    this.queue.push([input, key]);
    this.pump();
  }

  /**
   * Frame `frame` was committed. Effects of an earlier commit can still run after a key was
   * handled (React flushes them before it renders that key's changes): those must not let the
   * next key go, or it would see the state from before the key.
   */
  committed(frame: number): void {
    if (frame < this.awaited) return;
    this.awaited = 0;
    this.pump();
  }

  private pump(): void {
    if (this.awaited) return;
    const next = this.queue.shift();
    if (!next) return;
    const active = this.entries.filter((e) => e.active);
    let press: KeyPress = next;
    if (!(isRun(...next) && active.some((e) => e.text))) {
      const [first, rest] = firstKey(...next);
      press = first;
      if (rest) this.queue.unshift(rest);
    }
    this.awaited = ++this.frames;
    for (const e of active) {
      try {
        e.handler(...press);
      } catch (err) {
        this.onError(err);
      }
    }
    this.requestFrame(this.awaited);
  }
}
