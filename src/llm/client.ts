import OpenAI from 'openai';
import { RequestClocks, firstTokenBudgetMs } from './clocks.js';
import { guessFlavor, LlmError } from './errors.js';
import {
  cutStreamError,
  httpError,
  malformedChunkError,
  notApiError,
  replyTooLargeError,
  stoppedError,
  toLlmError,
  type FailureContext,
} from './normalize-error.js';
import { toWireRequest } from './normalize-request.js';
import { withSlotField } from './queue-slots.js';
import { CHARS_PER_TOKEN, estimateTokens, promptChars, ResponseBuilder } from './normalize.js';
import type { WireCompletion } from './normalize-wire.js';
import { parseSse, SseTooLong } from './sse.js';
import { boundedText, replyChars, replyLimitChars, WireLimitError, wireLimitBytes } from './reply-limit.js';
import type { ChatRequest, ChatResponse, EndpointConfig, StreamCallbacks } from './types.js';

/** The first-token clock for a short prompt when the caller gives none (agent.firstTokenTimeout). */
export const DEFAULT_FIRST_TOKEN_MS = 300_000;
/**
 * Longest silence tolerated once the answer has started (agent.llmTimeout). mlx_lm.server sends
 * keepalive comments while it works, so silence this long means a stalled server, not a slow one.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** The slowest decoding assumed for an answer that is not streamed (it arrives all at once). */
const SLOWEST_DECODE_TPS = 5;

export interface ChatOptions {
  signal?: AbortSignal;
  /** The first-token clock for a short prompt; the client adds time for longer ones (clocks.ts). */
  firstTokenMs?: number;
  /** The idle clock: the longest gap between two pieces of the answer once it has started. */
  idleTimeoutMs?: number;
  /** A hard cap on the whole request (readiness probes); none by default. */
  timeoutMs?: number;
  /** True while the request still waits in the queue front: the first-token clock starts over. */
  stillQueued?: () => Promise<boolean>;
  /** Default true. */
  stream?: boolean;
  callbacks?: StreamCallbacks;
  headers?: Record<string, string>;
  /** Sent as `x-factory-task`, so the queue front can be fair across tasks. */
  task?: string;
}

const clients = new Map<string, OpenAI>();

/**
 * The SDK client for one endpoint, cached per baseURL and key. `maxRetries: 0` because the
 * queue owns retries; the SDK's timeout is left out of the way (it only covers response
 * headers), `chat` enforces its own.
 */
export function openaiClient(endpoint: Pick<EndpointConfig, 'baseURL' | 'apiKey'>): OpenAI {
  // Local servers ignore the key, but the SDK refuses to build a client without one.
  const apiKey = endpoint.apiKey || 'local';
  const key = `${endpoint.baseURL}\n${apiKey}`;
  let client = clients.get(key);
  if (!client) {
    client = new OpenAI({
      baseURL: endpoint.baseURL,
      apiKey,
      maxRetries: 0,
      timeout: 2 ** 31 - 1,
      // Never forward the user's OpenAI account headers to a local server.
      organization: null,
      project: null,
    });
    clients.set(key, client);
  }
  return client;
}

/**
 * Sends one chat request and returns the normalised answer, or throws one LlmError. Streams
 * by default; an answer that ends early (no `[DONE]` and no finish reason) is an error, never
 * a silently short answer.
 */
export async function chat(
  endpoint: EndpointConfig,
  req: ChatRequest,
  opts: ChatOptions = {},
): Promise<ChatResponse> {
  const stream = opts.stream ?? true;
  const promptTokens = estimateTokens(promptChars(req));
  // Not streamed, the answer arrives whole: its first byte comes after all of its tokens.
  const decodeMs = stream ? 0 : Math.ceil((req.maxTokens / SLOWEST_DECODE_TPS) * 1000);
  const settings = {
    firstTokenMs: opts.firstTokenMs ?? DEFAULT_FIRST_TOKEN_MS,
    idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    ...(opts.timeoutMs !== undefined ? { deadlineMs: opts.timeoutMs } : {}),
    ...(opts.stillQueued ? { stillQueued: opts.stillQueued } : {}),
    maxTokens: req.maxTokens,
  };
  const ctx: FailureContext = {
    baseURL: endpoint.baseURL,
    model: endpoint.model,
    flavor: endpoint.flavor,
    phase: 'request',
    chunks: 0,
    promptTokens,
    firstTokenTimeoutMs: settings.firstTokenMs,
  };
  if (opts.signal?.aborted) throw stoppedError('aborted', ctx);
  // One controller for every way a request can be stopped; `stoppedBy` remembers which one
  // fired, because by then the SDK and fetch only say "aborted".
  const controller = new AbortController();
  const stop = (why: NonNullable<FailureContext['stoppedBy']>) => {
    ctx.stoppedBy ??= why;
    controller.abort();
  };
  const onAbort = () => stop('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const clocks = new RequestClocks(
    { ...settings, firstTokenBudgetMs: firstTokenBudgetMs(settings.firstTokenMs, promptTokens) + decodeMs },
    (reading) => {
      ctx.clock = reading;
      stop('clock');
    },
  );
  const builder = new ResponseBuilder(req, opts.callbacks);
  const sentAt = performance.now();
  const pace = { firstAt: 0 };
  try {
    const headers = { ...opts.headers, ...(opts.task ? { 'x-factory-task': opts.task } : {}) };
    const response = await openaiClient(endpoint)
      .chat.completions.create(withSlotField(toWireRequest(endpoint.model, req, stream), endpoint), {
        signal: controller.signal,
        headers,
      })
      .asResponse();
    ctx.phase = 'body';
    // Name the server in later messages once its headers have said what it is.
    const seen = guessFlavor(response.headers);
    if (seen !== 'generic') ctx.flavor = seen;
    const limits = {
      chars: replyLimitChars(req.maxTokens),
      bytes: wireLimitBytes(req.maxTokens),
      maxTokens: req.maxTokens,
    };
    if (stream) await readStream(response, builder, ctx, clocks, limits, pace);
    else await readWhole(response, builder, ctx, limits);
    const endAt = performance.now();
    // An answer read whole has no first piece before its end: all of it counts as first-token time.
    const firstAt = pace.firstAt || endAt;
    return {
      ...builder.build(endpoint.model),
      timing: { queuedMs: 0, firstTokenMs: ms(firstAt - sentAt), generationMs: ms(endAt - firstAt) },
    };
  } catch (e) {
    if (e instanceof SseTooLong || e instanceof WireLimitError) {
      controller.abort();
      throw replyTooLargeError(ctx, `${wireLimitBytes(req.maxTokens)} bytes on the wire`, req.maxTokens);
    }
    const failure = toLlmError(e, ctx);
    // What the model wrote before it failed still belongs in the task's transcript.
    if (failure instanceof LlmError && ctx.chunks > 0) failure.partial = builder.partial();
    throw failure;
  } finally {
    clocks.stop();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

const ms = (x: number) => Math.max(0, Math.round(x));

/** What one answer may be: characters of text, bytes on the wire (a line, or a whole JSON body). */
interface Limits {
  chars: number;
  bytes: number;
  maxTokens: number;
}

/** An error page is read only as far as a message can show it. */
const ERROR_PAGE_BYTES = 64 * 1024;

async function readStream(
  response: Response,
  builder: ResponseBuilder,
  ctx: FailureContext,
  clocks: RequestClocks,
  limits: Limits,
  pace: { firstAt: number },
): Promise<void> {
  const contentType = response.headers.get('content-type')?.toLowerCase() ?? '';
  // Some servers ignore `stream: true` and answer with one JSON completion; that is fine.
  if (contentType.includes('json')) return readWhole(response, builder, ctx, limits);
  if (contentType.includes('text/html') || !response.body) {
    throw notApiError(ctx, contentType, await errorPage(response));
  }
  let done = false;
  let chars = 0;
  for await (const item of parseSse(watchBytes(response.body, clocks), limits.bytes)) {
    if (item.type === 'comment') continue;
    if (item.type === 'other') throw notApiError(ctx, contentType, item.line);
    if (item.data.trim() === '[DONE]') {
      done = true;
      break;
    }
    const chunk = parseChunk(item.data, ctx);
    if (chunk.error) throw inlineError(chunk, response.headers, ctx);
    ctx.chunks++;
    const added = replyChars(chunk);
    if (added > 0 && !pace.firstAt) pace.firstAt = performance.now();
    clocks.tokens(added / CHARS_PER_TOKEN);
    chars += added;
    if (chars > limits.chars) throw tooLarge(ctx, limits);
    builder.addChunk(chunk);
  }
  // A finish reason makes the answer whole even if `[DONE]` got lost after it.
  if (!done && !builder.finished) throw cutStreamError(ctx);
}

const tooLarge = (ctx: FailureContext, limits: Limits) =>
  replyTooLargeError(ctx, `${limits.chars} characters`, limits.maxTokens);

/** The start of a body that is not an answer, for the message. */
const errorPage = (response: Response) => boundedText(response, ERROR_PAGE_BYTES, { truncate: true });

async function readWhole(
  response: Response,
  builder: ResponseBuilder,
  ctx: FailureContext,
  limits: Limits,
): Promise<void> {
  const text = await boundedText(response, limits.bytes);
  const contentType = response.headers.get('content-type') ?? '';
  let body: WireCompletion | undefined;
  try {
    body = JSON.parse(text) as WireCompletion;
  } catch (e) {
    // Announced as JSON but broken: a server fault, not a wrong URL.
    if (contentType.includes('json')) throw malformedChunkError(ctx, text, e, 'an answer');
  }
  if (!body || typeof body !== 'object' || (!body.error && !Array.isArray(body.choices))) {
    throw notApiError(ctx, contentType, text);
  }
  if (body.error) throw inlineError(body, response.headers, ctx);
  if (replyChars(body) > limits.chars) throw tooLarge(ctx, limits);
  builder.addCompletion(body);
}

function parseChunk(data: string, ctx: FailureContext): WireCompletion {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch (e) {
    throw malformedChunkError(ctx, data, e);
  }
  if (!chunk || typeof chunk !== 'object') throw malformedChunkError(ctx, data);
  return chunk as WireCompletion;
}

/** An error object inside a 200 answer (llama-server does this mid-stream). */
function inlineError(body: WireCompletion, headers: Headers, ctx: FailureContext) {
  const code = (body.error as { code?: unknown } | undefined)?.code;
  const status = typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
  return httpError(status, body, headers, ctx);
}

/**
 * The body's bytes, telling the clocks each time some arrive. A clock that runs out aborts the
 * request, which makes the pending read fail. Any bytes count as a sign of life, keepalive
 * comments included.
 */
async function* watchBytes(
  body: ReadableStream<Uint8Array>,
  clocks: RequestClocks,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    while (true) {
      const next = await reader.read();
      if (next.done) return;
      clocks.alive();
      yield next.value;
    }
  } finally {
    // Stopping early (after [DONE], or on an error) must free the connection.
    reader.cancel().catch(() => {});
  }
}
