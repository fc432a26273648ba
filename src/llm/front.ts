import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FactoryError } from '../errors.js';
import type { EndpointConfig } from './types.js';
import type { RequestQueue } from './queue.js';
import { sniffUsage } from './front-usage.js';
import { judgeRequest, sendRefusal } from './front-guard.js';
import { upstreamURL } from './front-routes.js';
import { withSlot } from './queue-slots.js';
import { isTransientAnswer } from './error-class.js';

/**
 * The local queue front: an OpenAI-compatible HTTP server that every factory process on the
 * machine talks to, so they all share one queue in front of the model server. Streams pass
 * through chunk by chunk; only the usage numbers are sniffed on the way, for the metrics.
 */
export interface FrontOptions {
  host: string;
  port: number;
  queue: RequestQueue;
  /** The secret every client must send as `Authorization: Bearer …` (see front-guard.ts). */
  token: string;
  /** Extra fields for `GET /factory/status` (model, uptime, the model server's health). */
  status?: () => Record<string, unknown>;
}

export interface Front {
  url: string;
  close(): Promise<void>;
}

/** An upstream failure, shaped so the queue's retry policy can judge it. */
class UpstreamError extends FactoryError {
  constructor(
    message: string,
    readonly kind: 'connection' | 'http',
    readonly retryable: boolean,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, data: unknown): void {
  const body = JSON.stringify(data);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const retryableStatus = (s: number) => s >= 500 || s === 408 || s === 429;

/**
 * Forwards one request to `endpoint` and pipes the answer back. Throws (so the queue can retry)
 * only while nothing has been sent to the client yet.
 */
function forward(
  endpoint: EndpointConfig,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  signal: AbortSignal,
): Promise<{ promptTokens: number; completionTokens: number } | undefined> {
  const target = upstreamURL(endpoint.baseURL, req.url);
  if (endpoint.slot !== undefined) body = withSlot(body, endpoint.slot);
  return new Promise((resolve, reject) => {
    const up = http.request(
      target,
      {
        method: req.method,
        agent,
        signal,
        headers: {
          'content-type': req.headers['content-type'] ?? 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${endpoint.apiKey}`,
          accept: req.headers.accept ?? '*/*',
          // Which task asked: servers and proxies further up can use it too.
          ...(req.headers['x-factory-task']
            ? { 'x-factory-task': String(req.headers['x-factory-task']) }
            : {}),
        },
      },
      (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (retryableStatus(status)) {
          const parts: Buffer[] = [];
          upRes.on('data', (b: Buffer) => parts.push(b));
          upRes.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            // Retried only when its text says a retry can help (not "tools param requires --jinja").
            const retry = isTransientAnswer(status, text);
            reject(new UpstreamError(`model server answered ${status}`, 'http', retry, status, text));
          });
          upRes.on('error', reject);
          return;
        }
        res.writeHead(status, {
          'content-type': upRes.headers['content-type'] ?? 'application/json',
          'cache-control': 'no-cache',
        });
        res.socket?.setNoDelay(true);
        const sniff = sniffUsage();
        upRes.on('data', (b: Buffer) => {
          sniff.push(b);
          res.write(b);
        });
        upRes.on('end', () => {
          res.end();
          resolve(sniff.usage());
        });
        // A cut upstream stream must reach the client as a cut stream, never as a clean end.
        upRes.on('error', () => res.destroy());
        upRes.on('aborted', () => res.destroy());
      },
    );
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (signal.aborted) return reject(e);
      if (res.headersSent) {
        res.destroy();
        return reject(e);
      }
      const connection = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(
        e.code ?? '',
      );
      reject(
        new UpstreamError(
          `cannot reach the model server at ${endpoint.baseURL}: ${e.message}`,
          'connection',
          connection,
        ),
      );
    });
    up.end(body);
  });
}

export async function startFront(opts: FrontOptions): Promise<Front> {
  const server = http.createServer(async (req, res) => {
    try {
      const verdict = judgeRequest(req, {
        token: opts.token,
        host: opts.host,
        port: () => (server.address() as AddressInfo).port,
      });
      if (!verdict.ok) return sendRefusal(res, verdict.refusal);
      if (verdict.route.path === '/factory/status') {
        return sendJson(res, 200, { ...(opts.status?.() ?? {}), queue: opts.queue.metrics() });
      }
      if (verdict.route.path === '/health') return sendJson(res, 200, { status: 'ok', front: true });
      const body = await readBody(req);
      const task = String(req.headers['x-factory-task'] ?? 'anonymous');
      const abort = new AbortController();
      // The client going away cancels its request, waiting or running.
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      await opts.queue.run(task, (endpoint, signal) => forward(endpoint, req, body, res, signal), {
        signal: abort.signal,
        usageOf: (u) => u,
        followUp: (u) => (u as { toolCalls?: true } | undefined)?.toolCalls === true,
      });
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof UpstreamError && e.status !== undefined) {
        res.writeHead(e.status, { 'content-type': 'application/json' });
        return void res.end(e.body ?? '');
      }
      sendJson(res, 502, {
        error: { message: `factory front: ${(e as Error).message}`, type: 'factory_front_error', code: 502 },
      });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${addr.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
