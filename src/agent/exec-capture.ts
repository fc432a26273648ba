/**
 * Keeps the first and the last bytes of a command's output, and only those: a check that prints
 * a gigabyte costs two fixed buffers. The head holds how it started (the first error is usually
 * there), the tail how it ended (the summary line).
 */
export class OutputCapture {
  private readonly head: Buffer;
  private headLen = 0;
  /** A ring: `ringPos` is where the next byte goes; it never wrapped while `ringLen` < its size. */
  private readonly ring: Buffer;
  private ringLen = 0;
  private ringPos = 0;
  totalBytes = 0;

  /** `maxBytes` in all, split evenly between head and tail. */
  constructor(maxBytes: number) {
    const max = Math.max(0, Math.floor(maxBytes));
    this.head = Buffer.alloc(Math.floor(max / 2));
    this.ring = Buffer.alloc(max - this.head.length);
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    let rest = chunk;
    if (this.headLen < this.head.length) {
      const n = rest.copy(this.head, this.headLen);
      this.headLen += n;
      rest = rest.subarray(n);
    }
    const size = this.ring.length;
    if (rest.length === 0 || size === 0) return;
    if (rest.length >= size) {
      rest.copy(this.ring, 0, rest.length - size);
      this.ringPos = 0;
      this.ringLen = size;
      return;
    }
    const first = rest.copy(this.ring, this.ringPos);
    if (first < rest.length) rest.copy(this.ring, 0, first);
    this.ringPos = (this.ringPos + rest.length) % size;
    this.ringLen = Math.min(size, this.ringLen + rest.length);
  }

  result(): { output: string; head: string; tail: string; truncatedBytes: number; totalBytes: number } {
    const head = this.head.subarray(0, this.headLen);
    const tail =
      this.ringLen < this.ring.length
        ? this.ring.subarray(0, this.ringLen)
        : Buffer.concat([this.ring.subarray(this.ringPos), this.ring.subarray(0, this.ringPos)]);
    const cut = this.totalBytes - head.length - tail.length;
    if (cut === 0) {
      // Nothing lost: head and tail are contiguous, so a character split between them is whole.
      const all = Buffer.concat([head, tail]).toString('utf8');
      return { output: all, head: all, tail: '', truncatedBytes: 0, totalBytes: this.totalBytes };
    }
    // Don't show half a character on either side of the cut; its bytes count as cut.
    const headEnd = completePrefix(head);
    const tailStart = firstCharStart(tail);
    const truncatedBytes = cut + (head.length - headEnd) + tailStart;
    const h = head.subarray(0, headEnd).toString('utf8');
    const t = tail.subarray(tailStart).toString('utf8');
    return {
      output: h + cutMarker(truncatedBytes) + t,
      head: h,
      tail: t,
      truncatedBytes,
      totalBytes: this.totalBytes,
    };
  }
}

export const cutMarker = (bytes: number) => `\n… [factory: ${bytes} bytes cut] …\n`;

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/** Length of `buf` without a trailing UTF-8 sequence that the cut left incomplete. */
function completePrefix(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if (isContinuation(b)) continue;
    const need = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > buf.length ? i : buf.length;
  }
  // Not UTF-8 at all: leave it to the decoder's replacement characters.
  return buf.length;
}

/** Index of the first byte that starts a character (at most 3 continuation bytes skipped). */
function firstCharStart(buf: Buffer): number {
  let i = 0;
  while (i < 3 && i < buf.length && isContinuation(buf[i]!)) i++;
  return i;
}
