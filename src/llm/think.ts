const OPEN = '<think>';
const CLOSE = '</think>';

export interface ThinkSink {
  content(delta: string): void;
  reasoning(delta: string): void;
}

/** The longest end of `text` that could be the start of `tag`: hold it back until the next chunk. */
function partialTagAt(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (tag.startsWith(text.slice(text.length - n))) return text.length - n;
  }
  return text.length;
}

/**
 * Splits reasoning written as `<think>…</think>` out of streamed content, whatever the chunking
 * (a tag may arrive split over several chunks). Only a block at the very start counts: a coding
 * model may well write the tag later as ordinary text.
 *
 * Templates that open `<think>` inside the prompt (Qwen3, DeepSeek-R1) make the model send only
 * the closing tag, so a first `</think>` with no opening one turns everything before it into
 * reasoning (unless an opening tag came first mid-answer: then both are text). That text was already streamed to `onContent` as it arrived (nothing could tell
 * it apart yet); `result()` has it in the right place, and stream callbacks are for display.
 */
export class ThinkSplitter {
  private mode: 'start' | 'content' | 'think' | 'after' = 'start';
  private pending = '';
  private skipSpace = false;
  private contentText = '';
  private reasoningText = '';

  constructor(private readonly sink?: Partial<ThinkSink>) {}

  push(delta: string): void {
    this.pending += delta;
    this.drain(false);
  }

  /** Flushes what was held back: an unclosed think block stays reasoning (the answer was cut). */
  end(): void {
    this.drain(true);
  }

  result(): { content: string; reasoning: string } {
    return { content: this.contentText, reasoning: this.reasoningText };
  }

  private drain(final: boolean): void {
    while (true) {
      if (this.skipSpace) {
        const trimmed = this.pending.trimStart();
        if (!trimmed && !final) return;
        this.pending = trimmed;
        this.skipSpace = false;
      }
      if (this.mode === 'start') {
        const trimmed = this.pending.trimStart();
        if (trimmed.startsWith(OPEN)) {
          this.enter('think', trimmed.slice(OPEN.length));
          continue;
        }
        if (!final && OPEN.startsWith(trimmed)) return;
        this.mode = 'content';
      }
      if (this.mode === 'after') {
        this.emitContent(this.pending);
        this.pending = '';
        return;
      }
      const close = this.pending.indexOf(CLOSE);
      const open = this.mode === 'content' ? this.pending.indexOf(OPEN) : -1;
      if (open >= 0 && (close < 0 || open < close)) {
        // An opening tag mid-answer is text the model wrote about tags: none of them count now.
        this.mode = 'after';
        continue;
      }
      if (close >= 0) {
        const before = this.pending.slice(0, close);
        if (this.mode === 'content') {
          // A lone closing tag: what looked like content was the model thinking.
          this.reasoningText += this.contentText + before;
          this.contentText = '';
        } else this.emitReasoning(before);
        this.enter('after', this.pending.slice(close + CLOSE.length));
        continue;
      }
      const cut = final
        ? this.pending.length
        : Math.min(
            partialTagAt(this.pending, CLOSE),
            this.mode === 'content' ? partialTagAt(this.pending, OPEN) : Infinity,
          );
      const ready = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut);
      if (this.mode === 'think') this.emitReasoning(ready);
      else this.emitContent(ready);
      return;
    }
  }

  private enter(mode: 'think' | 'after', rest: string): void {
    this.mode = mode;
    this.pending = rest;
    this.skipSpace = true;
  }

  private emitContent(text: string): void {
    if (!text) return;
    this.contentText += text;
    this.sink?.content?.(text);
  }

  private emitReasoning(text: string): void {
    if (!text) return;
    this.reasoningText += text;
    this.sink?.reasoning?.(text);
  }
}
