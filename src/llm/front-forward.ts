import http from 'node:http';
import { FactoryError } from '../errors.js';
import { describeServer, type ServerFlavor } from './errors.js';
import { downBody } from './front-errors.js';
import { sniffUsage } from './front-usage.js';
import { downHint, serverHeaderOf } from './server-flavor.js';
import type { EndpointConfig } from './types.js';
import { upstreamURL } from './front-routes.js';
import { withSlot } from './queue-slots.js';
import { isTransientAnswer } from './error-class.js';

/**
 * One request from the front to a model server, piped back to the front's client. It settles in
 * every case (answer, error, cut connection, abort), because the queue holds the endpoint's slot
 * until it does: a forward that never settles is a slot lost for good.
 */

/** An upstream failure, shaped so the queue's retry policy can judge it. */
export class UpstreamError extends FactoryError {
  constructor(
    message: string,
    readonly kind: 'connection' | 'http',
    readonly retryable: boolean,
    readonly status?: number,
    readonly body?: string,
    /** The model server's `Server` header, passed on with its error. */
    readonly server?: string,
  ) {
    super(message);
  }
}

/**
 * An answer the client has already received in full that is a failure all the same: a 4xx passed
 * through, or a 200 stream that ended in an error event. Never retried (the client has it), but
 * counted as failed, not done.
 */
export class DeliveredFailure extends FactoryError {
  readonly kind = 'http';
  readonly retryable = false;
  readonly delivered = true;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The request went out on a kept-alive socket the server had already closed: nothing was answered. */
class StaleSocket extends Error {}

export interface ForwardOptions {
  /** The software behind the endpoint, to name it in messages and in a missing `Server` header. */
  flavor?: ServerFlavor;
}

export type ForwardUsage = { promptTokens: number; completionTokens: number } | undefined;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const retryableStatus = (s: number) => s >= 500 || s === 408 || s === 429;
const SSE = /text\/event-stream/i;

/** The last event of a stream the front ends on the model server's behalf. */
export function writeDownEvent(res: http.ServerResponse, message: string, hint?: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (!SSE.test(String(res.getHeader('content-type') ?? ''))) return void res.destroy();
  res.end(`data: ${JSON.stringify(downBody(message, hint))}\n\n`);
}

/**
 * Forwards one request to `endpoint` and pipes the answer back. Throws (so the queue can retry)
 * only while nothing has been sent to the client yet. A request that died on a reused socket
 * before any answer is sent again at once on a fresh connection: the server never saw it, and
 * the endpoint is not to blame.
 */
export async function forward(
  endpoint: EndpointConfig,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  signal: AbortSignal,
  opts: ForwardOptions = {},
): Promise<ForwardUsage> {
  if (endpoint.slot !== undefined) body = withSlot(body, endpoint.slot);
  for (let tries = 0; ; tries++) {
    try {
      return await forwardOnce(endpoint, req, body, res, signal, opts);
    } catch (e) {
      if (!(e instanceof StaleSocket)) throw e;
      // Every socket in the pool may have gone stale together; a fresh one is not reused.
      if (tries >= 3 || signal.aborted) throw connectionFailure(endpoint, opts, e.message);
    }
  }
}

function name(endpoint: EndpointConfig, opts: ForwardOptions): string {
  return describeServer(endpoint.baseURL, opts.flavor ?? endpoint.flavor ?? 'generic');
}

function connectionFailure(endpoint: EndpointConfig, opts: ForwardOptions, detail: string): UpstreamError {
  return new UpstreamError(`cannot reach ${name(endpoint, opts)}: ${detail}`, 'connection', true);
}

function forwardOnce(
  endpoint: EndpointConfig,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  signal: AbortSignal,
  opts: ForwardOptions,
): Promise<ForwardUsage> {
  const target = upstreamURL(endpoint.baseURL, req.url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const up = http.request(target, {
      method: req.method,
      agent,
      signal,
      headers: {
        'content-type': req.headers['content-type'] ?? 'application/json',
        'content-length': body.length,
        authorization: `Bearer ${endpoint.apiKey}`,
        accept: req.headers.accept ?? '*/*',
        // Which task asked: servers and proxies further up can use it too.
        ...(req.headers['x-factory-task'] ? { 'x-factory-task': String(req.headers['x-factory-task']) } : {}),
      },
    });
    let answered = false;
    up.on('response', (upRes) => {
      answered = true;
      const status = upRes.statusCode ?? 502;
      const sent = upRes.headers.server;
      const server =
        (Array.isArray(sent) ? sent[0] : sent) ?? serverHeaderOf[opts.flavor ?? endpoint.flavor ?? 'generic'];
      // After an error the server may close this connection without saying so (llama-server
      // does): it goes back to no pool, so no queued request is sent into a dead socket.
      if (status >= 400) up.shouldKeepAlive = false;
      let ended = false;
      upRes.on('end', () => (ended = true));
      if (retryableStatus(status)) {
        const parts: Buffer[] = [];
        upRes.on('data', (b: Buffer) => parts.push(b));
        upRes.on('close', () => {
          if (signal.aborted) return done(() => reject(signal.reason));
          const text = Buffer.concat(parts).toString('utf8');
          // Nothing was sent to the client yet: the queue may try again.
          if (!ended) return done(() => reject(cut(endpoint, opts, 0, true)));
          // Retried only when its text says a retry can help (not "tools param requires --jinja").
          done(() =>
            reject(
              new UpstreamError(
                `${name(endpoint, opts)} answered ${status}`,
                'http',
                isTransientAnswer(status, text),
                status,
                text,
                server,
              ),
            ),
          );
        });
        return;
      }
      // Set one by one, not passed to writeHead: writeDownEvent reads the content type back.
      res.setHeader('content-type', upRes.headers['content-type'] ?? 'application/json');
      res.setHeader('cache-control', 'no-cache');
      if (server) res.setHeader('server', server);
      res.writeHead(status);
      res.socket?.setNoDelay(true);
      const sniff = sniffUsage();
      let bytes = 0;
      upRes.on('data', (b: Buffer) => {
        bytes += b.length;
        sniff.push(b);
        if (sniff.sawError()) up.shouldKeepAlive = false;
        res.write(b);
      });
      upRes.on('close', () => {
        if (signal.aborted) return done(() => reject(signal.reason));
        if (!ended) {
          // A cut upstream must reach the client as a failure, never as a clean end.
          const e = cut(endpoint, opts, bytes, false);
          writeDownEvent(res, e.message, downHint(opts.flavor ?? endpoint.flavor ?? 'generic', 'crash'));
          return done(() => reject(e));
        }
        res.end();
        if (status >= 400 || sniff.sawError()) {
          const what = status >= 400 ? `answered ${status}` : 'ended its answer with an error';
          return done(() => reject(new DeliveredFailure(`${name(endpoint, opts)} ${what}`, status)));
        }
        done(() => resolve(sniff.usage()));
      });
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (signal.aborted) return done(() => reject(signal.reason ?? e));
      if (answered) return; // the response's own 'close' settles it
      const code = e.code ?? '';
      if (up.reusedSocket && ['ECONNRESET', 'EPIPE'].includes(code)) {
        return done(() => reject(new StaleSocket(`${code} on a reused connection`)));
      }
      const connection = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code);
      done(() =>
        reject(
          new UpstreamError(`cannot reach ${name(endpoint, opts)}: ${e.message}`, 'connection', connection),
        ),
      );
    });
    // Whatever else happens, a closed request without an answer settles the forward.
    up.on('close', () => {
      if (answered) return;
      if (signal.aborted) return done(() => reject(signal.reason));
      done(() => reject(connectionFailure(endpoint, opts, 'the connection closed without an answer')));
    });
    up.end(body);
  });
}

/** `retryable` only while the client has received nothing: an answer is never sent twice. */
function cut(
  endpoint: EndpointConfig,
  opts: ForwardOptions,
  bytes: number,
  retryable: boolean,
): UpstreamError {
  return new UpstreamError(
    `${name(endpoint, opts)} closed the connection mid-answer (after ${bytes} bytes); it may have crashed`,
    'connection',
    retryable,
  );
}
