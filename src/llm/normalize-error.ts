import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describeServer, guessFlavor, LlmError, type ServerFlavor } from './errors.js';
import { contextOverflowError } from './context-overflow.js';
import { classifyServerError, type ServerProblem } from './error-class.js';
import { SLOWEST_PREFILL_TPS, type ClockReading } from './clocks.js';
import { readDownBody } from './front-errors.js';

/** What the client knew when a request failed: enough to tell a refused request from a cut stream. */
export interface FailureContext {
  baseURL: string;
  model: string;
  flavor?: ServerFlavor;
  /** 'request' until the response headers arrived, then 'body'. */
  phase: 'request' | 'body';
  /** Stream chunks received so far. */
  chunks: number;
  /** Set when one of our clocks or the caller's signal ended the request. */
  stoppedBy?: 'clock' | 'aborted';
  /** The clock that ran out, when one did. */
  clock?: ClockReading;
  /** The prompt's size (estimated), which the first-token clock grows with. */
  promptTokens: number;
  /** The first-token clock for a short prompt (agent.firstTokenTimeout). */
  firstTokenTimeoutMs: number;
}

const logsHint = 'it may have crashed; check its log (`factory server logs`)';
const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

function serverName(ctx: FailureContext, flavor: ServerFlavor = 'generic'): string {
  return describeServer(ctx.baseURL, flavor !== 'generic' ? flavor : (ctx.flavor ?? 'generic'));
}

/**
 * Turns whatever the SDK or fetch threw into one LlmError. Errors that did not come from the
 * network or the server (a bug, a throwing callback) are returned unchanged, so they stay visible.
 */
export function toLlmError(e: unknown, ctx: FailureContext): unknown {
  if (ctx.stoppedBy) return stoppedError(ctx.stoppedBy, ctx, e);
  if (e instanceof LlmError) return e;
  if (e instanceof APIUserAbortError) return stoppedError('aborted', ctx, e);
  if (e instanceof APIConnectionTimeoutError) {
    return stoppedError(
      'clock',
      { ...ctx, clock: ctx.clock ?? { clock: 'deadline', limitMs: 2 ** 31 - 1 } },
      e,
    );
  }
  if (e instanceof APIError && e.status !== undefined) {
    // The SDK keeps the body's `error` field; a body that was not JSON is only in the message.
    const body = e.error !== undefined ? { error: e.error } : undefined;
    const text = e.error === undefined ? e.message.replace(/^\d+\s*/, '') : undefined;
    return httpError(e.status, body, e.headers, ctx, text);
  }
  const codes = networkCodes(e);
  if (e instanceof APIError || codes.length > 0 || isFetchFailure(e)) return connectionError(codes, ctx, e);
  return e;
}

/** A request our own clock or the caller stopped; the message names the clock that ran out. */
export function stoppedError(why: 'clock' | 'aborted', ctx: FailureContext, cause?: unknown): LlmError {
  const server = serverName(ctx);
  const opts = { server: ctx.baseURL, cause };
  const reading = ctx.clock;
  if (why === 'aborted' || !reading) {
    return new LlmError('aborted', `the request to ${server} was cancelled`, opts);
  }
  const limit = seconds(reading.limitMs);
  const chunks = `${ctx.chunks} chunk${ctx.chunks === 1 ? '' : 's'}`;
  switch (reading.clock) {
    case 'first-token':
      return new LlmError(
        'timeout',
        `no first token from ${server} within ${limit} (the first-token clock: ${seconds(ctx.firstTokenTimeoutMs)}, plus 1s per ${SLOWEST_PREFILL_TPS} tokens of a ${ctx.promptTokens}-token prompt)`,
        {
          ...opts,
          clock: 'first-token',
          hint: 'the server is busy with other requests, slow at reading the prompt, or stuck; raise agent.firstTokenTimeout, or check `factory server status`',
        },
      );
    case 'idle':
      return new LlmError(
        'idle',
        `${server} stopped sending mid-answer: nothing for ${limit} after ${chunks} (the idle clock)`,
        {
          ...opts,
          clock: 'idle',
          hint: 'the server looks stalled; raise agent.llmTimeout, or restart it (`factory server stop`, then `factory server start`)',
        },
      );
    case 'overall': {
      const tps = reading.tokensPerSecond ?? 0;
      return new LlmError(
        'timeout',
        `${server} was still answering after ${limit} (the overall clock: twice the time max_tokens takes at the measured ${tps.toFixed(1)} tokens/s, plus agent.llmTimeout) after ${chunks}`,
        {
          ...opts,
          clock: 'overall',
          hint: 'the model slowed down or does not stop; lower agent.maxTokensPerTurn, or check the server',
        },
      );
    }
    case 'deadline':
      return new LlmError(
        'timeout',
        `no complete answer from ${server} within ${limit} (the request's deadline)`,
        {
          ...opts,
          clock: 'deadline',
          hint: 'the server is slow or stuck; check `factory server status`',
        },
      );
  }
}

/** The text a server put in its error body, whatever its dialect. */
export function errorText(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | undefined)?.error ?? body;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return error === undefined ? undefined : JSON.stringify(error);
}

/** A non-2xx answer, or an error object the server sent inside a 200 stream. */
export function httpError(
  status: number,
  body: unknown,
  headers: Headers | undefined,
  ctx: FailureContext,
  rawText?: string,
): LlmError {
  // The factory front's own word that the model server behind it is down: unreachable, not a 5xx.
  const down = readDownBody(body);
  if (down)
    return new LlmError('connection', down.message, {
      server: ctx.baseURL,
      status,
      hint: down.hint ?? logsHint,
    });
  const flavor = guessFlavor(headers, body);
  const server = serverName(ctx, flavor);
  const text = (errorText(body) ?? rawText ?? '').trim().slice(0, 300) || '(no body)';
  const opts = { server: ctx.baseURL, status };
  // The body names the exact cause and its numbers: the caller can shrink the prompt.
  const overflow = contextOverflowError(status, body ?? rawText, server, ctx.baseURL);
  if (overflow) return overflow;
  if (status === 503 && /load/i.test(text)) {
    return new LlmError('loading', `${server} is still loading the model (503: ${text})`, {
      ...opts,
      hint: 'wait until it has loaded and try again; `factory server status` shows when it is ready',
    });
  }
  const problem = classifyServerError(status, text);
  const named = flavor === 'generic' ? (ctx.flavor ?? flavor) : flavor;
  return new LlmError('http', `${server} answered ${status}: ${text}`, {
    ...opts,
    problem,
    hint: problemHint(problem, named, body) ?? httpHint(status, named, ctx.model),
  });
}

const contextSettings: Record<ServerFlavor, string> = {
  llamacpp: "llama-server's -c/--ctx-size (divided among its --parallel slots)",
  ollama: 'OLLAMA_CONTEXT_LENGTH or the num_ctx of the model',
  mlx: "the server's context settings",
  generic: "the server's context size",
};

/** The hint for an error whose text said what went wrong; undefined when the status says more. */
function problemHint(problem: ServerProblem, flavor: ServerFlavor, body: unknown): string | undefined {
  switch (problem) {
    case 'tools-unsupported':
      return flavor === 'llamacpp'
        ? 'llama-server takes tools only with --jinja: add it to server.command, or set agent.tools to "text"'
        : 'this server or model takes no tools: set agent.tools to "text" ("auto" switches by itself)';
    case 'model-output':
      return 'the server could not parse what the model wrote (its tool-call format); a retry writes the same, so it was not retried: set agent.tools to "text", or use a model whose chat template the server knows';
    case 'bad-history':
      return 'the server could not read the conversation factory sent; it was not retried, as it would fail the same way';
    case 'context-overflow': {
      const e = (body as { error?: { n_prompt_tokens?: unknown; n_ctx?: unknown } } | undefined)?.error;
      const numbers =
        typeof e?.n_prompt_tokens === 'number' && typeof e.n_ctx === 'number'
          ? ` (${e.n_prompt_tokens} prompt tokens, a context of ${e.n_ctx})`
          : '';
      return `the prompt does not fit the model's context window${numbers}: raise ${contextSettings[flavor]}, or lower agent.maxTokensPerTurn`;
    }
    default:
      return undefined;
  }
}

function httpHint(status: number, flavor: ServerFlavor, model: string): string {
  if (status === 404) {
    if (flavor === 'mlx') return 'check server.model; mlx_lm.server serves the model it was started with';
    if (flavor === 'ollama') return `check server.model; pull it with \`ollama pull ${model}\``;
    return `check server.model ("${model}") and that server.baseURL ends in /v1`;
  }
  if (status === 401 || status === 403) return 'check server.apiKey';
  if (status === 400 || status === 413 || status === 422) {
    return 'the server refused the request; its message above says why';
  }
  if (status === 408 || status === 429) return 'the server is busy; try again in a moment';
  if (status >= 500) return logsHint;
  return 'check server.baseURL and server.model';
}

function connectionError(codes: string[], ctx: FailureContext, cause: unknown): LlmError {
  const server = serverName(ctx);
  const opts = { server: ctx.baseURL, cause };
  if (codes.includes('ECONNREFUSED')) {
    return new LlmError('connection', `no inference server at ${ctx.baseURL}`, {
      ...opts,
      hint: 'start one with `factory server start`, or set server.baseURL',
    });
  }
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return new LlmError('connection', `cannot resolve the host of ${ctx.baseURL}`, {
      ...opts,
      hint: 'check server.baseURL',
    });
  }
  if (ctx.phase === 'body') return cutStreamError(ctx, cause);
  const detail = codes[0] ?? (cause instanceof Error ? cause.message : String(cause));
  return new LlmError('connection', `${server} closed the connection without answering (${detail})`, {
    ...opts,
    hint: logsHint,
  });
}

/** The answer stopped before `[DONE]`: the socket closed, or the body ended early. */
export function cutStreamError(ctx: FailureContext, cause?: unknown): LlmError {
  return new LlmError(
    'connection',
    `${serverName(ctx)} cut the answer off after ${ctx.chunks} chunk${ctx.chunks === 1 ? '' : 's'} (the stream ended before [DONE])`,
    { server: ctx.baseURL, hint: logsHint, cause },
  );
}

export function malformedChunkError(
  ctx: FailureContext,
  data: string,
  cause?: unknown,
  what = 'a stream chunk',
): LlmError {
  return new LlmError(
    'protocol',
    `${serverName(ctx)} sent ${what} that is not valid JSON: ${snippet(data)}`,
    {
      server: ctx.baseURL,
      hint: 'the server or a proxy in front of it is broken; check that server.baseURL points at the model server',
      cause,
    },
  );
}

/** The answer passed the size factory allows for one reply: stopped, never retried. */
export function replyTooLargeError(ctx: FailureContext, limit: string, maxTokens: number): LlmError {
  return new LlmError(
    'protocol',
    `${serverName(ctx)} sent a reply larger than ${limit} for max_tokens ${maxTokens}; factory stopped reading it`,
    {
      server: ctx.baseURL,
      hint: 'the model is looping or the server ignores max_tokens; lower agent.maxTokensPerTurn or check the server',
    },
  );
}

export function notApiError(ctx: FailureContext, contentType: string, body: string): LlmError {
  return new LlmError(
    'protocol',
    `${serverName(ctx)} did not answer like an OpenAI-compatible API (${contentType || 'no content type'}): ${snippet(body)}`,
    {
      server: ctx.baseURL,
      hint: 'server.baseURL should be the API root of the model server, usually ending in /v1',
    },
  );
}

const snippet = (text: string) => JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 120));

/** Error codes anywhere in the cause chain (undici nests them, and AggregateError hides them). */
function networkCodes(e: unknown, depth = 0): string[] {
  if (!e || typeof e !== 'object' || depth > 5) return [];
  const codes: string[] = [];
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) codes.push(code);
  for (const inner of (e as { errors?: unknown[] }).errors ?? [])
    codes.push(...networkCodes(inner, depth + 1));
  return codes.concat(networkCodes((e as { cause?: unknown }).cause, depth + 1));
}

/** undici's own words for a lost connection: "fetch failed" before headers, "terminated" after. */
function isFetchFailure(e: unknown): boolean {
  return e instanceof TypeError && /^(fetch failed|terminated)$/.test(e.message);
}
