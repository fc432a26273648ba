import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describeServer, guessFlavor, LlmError, type ServerFlavor } from './errors.js';
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
  /** Set when our own deadline, watchdog or the caller's signal ended the request. */
  stoppedBy?: 'timeout' | 'idle' | 'aborted';
  timeoutMs: number;
  idleTimeoutMs: number;
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
  if (e instanceof APIConnectionTimeoutError) return stoppedError('timeout', ctx, e);
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

export function stoppedError(kind: 'timeout' | 'idle' | 'aborted', ctx: FailureContext, cause?: unknown) {
  const server = serverName(ctx);
  if (kind === 'timeout') {
    return new LlmError('timeout', `no complete answer from ${server} within ${seconds(ctx.timeoutMs)}`, {
      server: ctx.baseURL,
      hint: 'raise agent.llmTimeout, or lower agent.maxTokensPerTurn',
      cause,
    });
  }
  if (kind === 'idle') {
    return new LlmError(
      'idle',
      `${server} stopped sending mid-answer: nothing for ${seconds(ctx.idleTimeoutMs)} after ${ctx.chunks} chunk${ctx.chunks === 1 ? '' : 's'}`,
      {
        server: ctx.baseURL,
        hint: 'the server looks stalled; restart it (`factory server stop`, then `factory server start`)',
        cause,
      },
    );
  }
  return new LlmError('aborted', `the request to ${server} was cancelled`, { server: ctx.baseURL, cause });
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
  if (status === 503 && /load/i.test(text)) {
    return new LlmError('loading', `${server} is still loading the model (503: ${text})`, {
      ...opts,
      hint: 'wait until it has loaded and try again; `factory server status` shows when it is ready',
    });
  }
  return new LlmError('http', `${server} answered ${status}: ${text}`, {
    ...opts,
    hint: httpHint(status, flavor === 'generic' ? (ctx.flavor ?? flavor) : flavor, ctx.model),
  });
}

function httpHint(status: number, flavor: ServerFlavor, model: string): string {
  if (status === 404) {
    if (flavor === 'mlx') return 'check server.model; mlx_lm.server serves the model it was started with';
    if (flavor === 'ollama') return `check server.model; pull it with \`ollama pull ${model}\``;
    return `check server.model ("${model}") and that server.baseURL ends in /v1`;
  }
  if (status === 401 || status === 403) return 'check server.apiKey';
  if (status === 400 || status === 413 || status === 422) {
    return 'the server refused the request; the prompt may exceed the context window, or the model may not support tools';
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
