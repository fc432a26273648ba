import { FactoryError } from '../errors.js';
import { isTransient, type ServerProblem } from './error-class.js';
import type { EndpointConfig } from './types.js';

/** Which of the request's clocks ran out (see clocks.ts). */
export type LlmClock = 'first-token' | 'idle' | 'overall' | 'deadline';

/** What the model had streamed before the request failed: kept for the task's transcript. */
export interface PartialAnswer {
  content: string;
  reasoning: string;
}

/**
 * What went wrong talking to the inference server. The queue decides retries from `retryable`
 * alone, so every failure must land in exactly one kind.
 */
export type LlmErrorKind = 'connection' | 'loading' | 'http' | 'timeout' | 'idle' | 'aborted' | 'protocol';

/**
 * One failure of one request. `message` says what happened and names the server; `hint` says
 * what to do (the CLI prints them on one line, joined by an em dash).
 */
export class LlmError extends FactoryError {
  readonly kind: LlmErrorKind;
  readonly status?: number;
  /** The endpoint's baseURL. */
  readonly server: string;
  readonly retryable: boolean;
  /** For an error answer: what its text says went wrong (error-class.ts). */
  readonly problem?: ServerProblem;
  /** For a timeout: the clock that ran out. */
  readonly clock?: LlmClock;
  /** Text streamed before the failure, if any (set by the client). */
  partial?: PartialAnswer;

  constructor(
    kind: LlmErrorKind,
    message: string,
    opts: {
      server: string;
      status?: number;
      hint?: string;
      cause?: unknown;
      problem?: ServerProblem;
      clock?: LlmClock;
    },
  ) {
    super(message, { exitCode: 1, hint: opts.hint, cause: opts.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = opts.status;
    this.server = opts.server;
    this.problem = opts.problem;
    this.clock = opts.clock;
    // The body's words decide over the status: a permanent 500 is not retried.
    this.retryable =
      kind === 'http' && opts.problem ? isTransient(opts.problem) : isRetryable(kind, opts.status);
  }

  /** The whole story on one line, as the CLI would print it. */
  describe(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/**
 * The queue's retry rule, in one place: the server may come back (connection lost, still
 * loading, 5xx, 408, 429); anything else would fail the same way again, and a cancel is final.
 */
export function isRetryable(kind: LlmErrorKind, status?: number): boolean {
  if (kind === 'connection' || kind === 'loading') return true;
  if (kind === 'http' && status !== undefined) return status >= 500 || status === 408 || status === 429;
  return false;
}

/** Server software we can recognise, so messages can say what to check. */
export type ServerFlavor = NonNullable<EndpointConfig['flavor']>;

const flavorNames: Record<ServerFlavor, string> = {
  mlx: 'mlx_lm.server',
  llamacpp: 'llama-server',
  ollama: 'Ollama',
  generic: 'the inference server',
};

/** "mlx_lm.server at http://127.0.0.1:8080/v1": how every message names the server. */
export function describeServer(baseURL: string, flavor: ServerFlavor = 'generic'): string {
  return `${flavorNames[flavor]} at ${baseURL}`;
}

/**
 * Guesses the server from what it sent. mlx_lm.server is Python's http.server and alone sends
 * `{"error": "text"}`; llama-server names itself in the Server header; Ollama's errors say
 * "ollama" or "try pulling it".
 */
export function guessFlavor(headers?: Headers, body?: unknown): ServerFlavor {
  const serverHeader = headers?.get('server')?.toLowerCase() ?? '';
  // "ollama" contains "llama": asked first.
  if (serverHeader.includes('ollama')) return 'ollama';
  if (serverHeader.includes('llama')) return 'llamacpp';
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string' || serverHeader.includes('python')) return 'mlx';
  const text = JSON.stringify(error ?? '').toLowerCase();
  if (text.includes('ollama') || text.includes('try pulling')) return 'ollama';
  return 'generic';
}
