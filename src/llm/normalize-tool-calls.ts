import type { ToolCall } from './types.js';
import type { WireToolCallPiece } from './normalize-wire.js';

interface Pending {
  id?: string;
  name: string;
  arguments: string;
}

/**
 * Assembles native tool calls from streamed pieces. llama-server and vLLM send a call as a
 * first piece with id and name, then argument fragments under the same `index`; mlx_lm.server
 * and Ollama send each call whole, and a piece may lack `index`, in which case a piece with a
 * name starts a new call and one without continues the last.
 */
export class ToolCallAssembler {
  private readonly calls = new Map<number, Pending>();
  private last = -1;

  add(pieces: readonly WireToolCallPiece[]): void {
    for (const piece of pieces) {
      const name = piece.function?.name ?? undefined;
      let key = piece.index;
      if (key === undefined) key = name || this.last < 0 ? this.nextKey() : this.last;
      const call = this.calls.get(key) ?? { name: '', arguments: '' };
      if (piece.id) call.id = piece.id;
      if (name && !call.name) call.name = name;
      const args = piece.function?.arguments;
      if (args != null) call.arguments += typeof args === 'string' ? args : JSON.stringify(args);
      this.calls.set(key, call);
      this.last = key;
    }
  }

  /** Calls in index order; a call that never got a name is dropped (nothing could run it). */
  result(): ToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, c]) => c.name)
      .map(([key, c]) => ({ id: c.id ?? `call_${key}`, name: c.name, arguments: c.arguments || '{}' }));
  }

  private nextKey(): number {
    return this.calls.size === 0 ? 0 : Math.max(...this.calls.keys()) + 1;
  }
}
