/**
 * Bounds on what a capture keeps from a page: a page can log in a loop or request thousands of
 * missing files, and visual.json goes to a model's context. Text is stored raw (printing it goes
 * through visible()), only cut.
 */

/** Entries kept per list (console, page errors, network), per viewport. */
export const MAX_ENTRIES = 50;
/** Characters kept of one message, URL or stack. */
export const MAX_TEXT = 2000;

export function capText(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The first MAX_ENTRIES entries of a list, and how many more there were. */
export interface BoundedList<T> {
  entries: T[];
  dropped: number;
}

export class BoundedLog<T> {
  readonly entries: T[] = [];
  dropped = 0;

  constructor(private readonly max = MAX_ENTRIES) {}

  push(entry: T): void {
    if (this.entries.length < this.max) this.entries.push(entry);
    else this.dropped++;
  }

  toJSON(): BoundedList<T> {
    return { entries: [...this.entries], dropped: this.dropped };
  }
}
