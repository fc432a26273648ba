/**
 * What a server keeps of earlier prompts, in the scripted tokenizer's units (four characters a
 * token). llama-server keeps one sequence per slot (its KV cache); mlx_lm.server keeps an LRU of
 * `K` sequences shared by every request. A request reuses the longest common prefix of its
 * prompt with what is kept, and computes the rest.
 */

import { promptText } from './images.js';

interface PromptMessage {
  role?: unknown;
  content?: unknown;
  tool_calls?: unknown;
}

interface PromptBody {
  messages?: unknown;
  tools?: unknown;
}

const callText = (calls: unknown): string =>
  Array.isArray(calls)
    ? calls
        .map((c: { function?: { name?: unknown; arguments?: unknown } }) => {
          const f = c?.function ?? {};
          return `${String(f.name ?? '')}(${typeof f.arguments === 'string' ? f.arguments : JSON.stringify(f.arguments ?? '')})`;
        })
        .join('')
    : '';

/** One message as the model reads it: its role, its text and its tool calls (ids are not tokens). */
export function renderMessage(m: PromptMessage): string {
  const content = promptText(m.content);
  return `<|${String(m.role ?? '')}|>${content}${callText(m.tool_calls)}\n`;
}

/** The whole prompt as the model reads it: the tools, then every message in order. */
export function renderPrompt(body: PromptBody): string {
  const tools = Array.isArray(body.tools) ? JSON.stringify(body.tools) : '';
  const messages = Array.isArray(body.messages) ? (body.messages as PromptMessage[]) : [];
  return tools + messages.map(renderMessage).join('');
}

export const tokensIn = (text: string): number => Math.ceil(text.length / 4);

/** Length of the common prefix of two strings, in characters. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Tokens of `prompt` a kept sequence saves. Whole tokens only, and never the whole prompt: a
 * server always computes at least the last prompt token to get the first answer token.
 */
export function cachedTokens(kept: string, prompt: string): number {
  const total = tokensIn(prompt);
  return Math.max(0, Math.min(Math.floor(commonPrefix(kept, prompt) / 4), total - 1));
}

/** mlx_lm.server's prompt cache: the `K` most recently used sequences. */
export class LruPrefixCache {
  /** Most recently used last. */
  private readonly entries: string[] = [];

  constructor(readonly capacity: number) {}

  /** The entry sharing the longest prefix with `prompt` and the tokens it saves (0: none). */
  lookup(prompt: string): { entry: number; cached: number } {
    let best = { entry: -1, cached: 0 };
    this.entries.forEach((kept, entry) => {
      const cached = cachedTokens(kept, prompt);
      if (cached > best.cached) best = { entry, cached };
    });
    return best;
  }

  /**
   * Keeps `sequence` (a prompt and its answer) as the most recently used entry. An entry the
   * prompt wholly extends is taken and replaced, as mlx_lm.server does; one it only partly
   * shares is copied, so it stays. The least recently used entry goes when the cache is full.
   */
  store(sequence: string, from: number): void {
    const kept = this.entries[from];
    if (kept !== undefined && sequence.startsWith(kept)) this.entries.splice(from, 1);
    this.entries.push(sequence);
    while (this.entries.length > this.capacity) this.entries.shift();
  }

  get size(): number {
    return this.entries.length;
  }

  /** The kept sequences, least recently used first. */
  list(): readonly string[] {
    return this.entries;
  }
}
