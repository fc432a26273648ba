import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestQueue } from './queue.js';
import { judgeRequest, sendRefusal } from './front-guard.js';
import type { ServerFlavor } from './errors.js';
import { downBody } from './front-errors.js';
import { forward, UpstreamError, writeDownEvent } from './front-forward.js';

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
  /** The model server's software, once known: named in messages and in a missing `Server` header. */
  flavor?: () => ServerFlavor | undefined;
}

/** Why the model server cannot answer, as the clients are told. */
export interface ModelDown {
  message: string;
  hint?: string;
}

export interface Front {
  url: string;
  /**
   * The model server behind `baseURL` is down (it exited): requests running on it are ended with
   * `down`, and with `all`, so are the waiting ones and every new one until `modelUp` (there is
   * no other endpoint to serve them).
   */
  modelDown(baseURL: string, down: ModelDown, all: boolean): void;
  /** It answers again. */
  modelUp(): void;
  close(): Promise<void>;
}

/** One client request the front is handling: what to end when the model server goes down. */
interface InFlight {
  abort: AbortController;
  /** The endpoint serving it; undefined while it waits. */
  endpoint?: string;
  /** Aborts the attempt running on `endpoint`, if one runs. */
  attempt?: AbortController;
}

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

/** The abort reason of a request ended because the model server went down. */
class ModelDownSignal extends Error {
  constructor(readonly down: ModelDown) {
    super(down.message);
  }
}

export async function startFront(opts: FrontOptions): Promise<Front> {
  const inflight = new Set<InFlight>();
  let down: ModelDown | null = null;
  const server = http.createServer(async (req, res) => {
    const me: InFlight = { abort: new AbortController() };
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
      if (down) return sendJson(res, 503, downBody(down.message, down.hint));
      const task = String(req.headers['x-factory-task'] ?? 'anonymous');
      const abort = me.abort;
      inflight.add(me);
      // The client going away cancels its request, waiting or running.
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      await opts.queue.run(
        task,
        (endpoint, signal) => {
          me.endpoint = endpoint.baseURL;
          // Its own abort, so a model server going down fails this attempt (counted as failed)
          // instead of cancelling the request.
          const attempt = new AbortController();
          me.attempt = attempt;
          const follow = () => attempt.abort(signal.reason);
          if (signal.aborted) follow();
          else signal.addEventListener('abort', follow, { once: true });
          return forward(endpoint, req, body, res, attempt.signal, { flavor: opts.flavor?.() }).finally(
            () => {
              signal.removeEventListener('abort', follow);
              me.attempt = undefined;
            },
          );
        },
        {
          signal: abort.signal,
          usageOf: (u) => u,
          followUp: (u) => (u as { toolCalls?: true } | undefined)?.toolCalls === true,
        },
      );
    } catch (e) {
      const reason = e instanceof ModelDownSignal ? e : (me.abort.signal.reason as unknown);
      if (reason instanceof ModelDownSignal) {
        if (!res.headersSent) return sendJson(res, 503, downBody(reason.down.message, reason.down.hint));
        return writeDownEvent(res, reason.down.message, reason.down.hint);
      }
      if (res.headersSent || res.destroyed) return;
      if (e instanceof UpstreamError && e.status !== undefined) {
        res.writeHead(e.status, {
          'content-type': 'application/json',
          ...(e.server ? { server: e.server } : {}),
        });
        return void res.end(e.body ?? '');
      }
      // The model server cannot be reached at all: the client reports it as down (exit 3).
      if (e instanceof UpstreamError && e.kind === 'connection')
        return sendJson(
          res,
          503,
          downBody(e.message, 'check `factory server status` and `factory server logs`'),
        );
      sendJson(res, 502, {
        error: { message: `factory front: ${(e as Error).message}`, type: 'factory_front_error', code: 502 },
      });
    } finally {
      inflight.delete(me);
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
    modelDown(baseURL, why, all) {
      if (all) down = why;
      for (const r of inflight) {
        const signal = new ModelDownSignal(why);
        if (r.attempt && r.endpoint === baseURL) r.attempt.abort(signal);
        else if (all) r.abort.abort(signal);
      }
    },
    modelUp() {
      down = null;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
