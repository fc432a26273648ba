/**
 * A FIFO with O(1) push, shift and unshift. `Array#shift` copies the whole array, which a queue
 * holding thousands of requests would pay on every dispatch; a moving head index does not.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Puts an item back at the front, reusing the slot the last shift freed when there is one. */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.reset();
    // Compact only when the dead prefix dominates, so the cost stays amortised O(1).
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes one item wherever it is; O(n), for the rare cancellation of a single request. */
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    if (this.head === this.items.length) this.reset();
    return true;
  }

  /** Empties the FIFO and returns what it held, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.reset();
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }

  private reset(): void {
    this.items = [];
    this.head = 0;
  }
}
