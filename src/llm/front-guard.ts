import type http from 'node:http';
import { bearerToken, sameToken } from './front-token.js';
import { FRONT_ROUTES, frontRoute, pathOf, type FrontRoute } from './front-routes.js';

/**
 * Who may use the queue front. It spends the user's model time with the model server's key, so
 * before anything is read, queued or forwarded, a request must:
 * - name the front's own address in `Host` (403 otherwise): a web page that rebinds its own DNS
 *   name to 127.0.0.1 still sends that name;
 * - carry no `Origin` and no `Sec-Fetch-Site` (403): only browsers send them, and factory is not
 *   a browser, so a cross-origin "simple" POST from a web page never gets in;
 * - show the server's token, `Authorization: Bearer <token>` (401): other local users cannot
 *   read the state file that holds it;
 * - ask for a route the front serves (404; 405 for a listed route with another method);
 * - send its body as `application/json` (415).
 */
export interface FrontGuardOptions {
  token: string;
  /** The host the front listens on, as in server.baseURL. */
  host: string;
  /** The port it listens on (a function: with port 0 it is known only once listening). */
  port: () => number;
}

export interface Refusal {
  status: 401 | 403 | 404 | 405 | 415;
  message: string;
  headers?: Record<string, string>;
}

export type Verdict = { ok: true; route: FrontRoute } | { ok: false; refusal: Refusal };

const refused = (status: Refusal['status'], message: string, headers?: Record<string, string>): Verdict => ({
  ok: false,
  refusal: { status, message, headers },
});

/** Names every local client may use for the front: its configured host and the loopback names. */
function ownHosts(host: string, port: number): Set<string> {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const names = new Set([bare.includes(':') ? `[${bare}]` : bare, 'localhost', '127.0.0.1', '[::1]']);
  const out = new Set<string>();
  for (const name of names) {
    out.add(`${name}:${port}`);
    // A client may leave out the default port.
    if (port === 80) out.add(name);
  }
  return out;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: http.IncomingMessage): boolean {
  if (METHODS_WITH_BODY.has(req.method ?? '')) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** Judges one request from its head alone; its body is never read when it is refused. */
export function judgeRequest(req: http.IncomingMessage, opts: FrontGuardOptions): Verdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!ownHosts(opts.host, opts.port()).has(host))
    return refused(
      403,
      `Host ${JSON.stringify(req.headers.host ?? '')} is not this factory server's address; only local clients that name it may use it`,
    );
  if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined)
    return refused(403, 'requests from web pages (an Origin header) are refused');
  const given = bearerToken(req.headers.authorization);
  if (given === undefined || !sameToken(given, opts.token))
    return refused(
      401,
      `${given === undefined ? 'no' : 'wrong'} token: send Authorization: Bearer <token>, the token in this factory server's state file`,
      { 'www-authenticate': 'Bearer realm="factory"' },
    );
  const route = frontRoute(req.url);
  if (!route)
    return refused(
      404,
      `${pathOf(req.url)} is not a route of the factory server; it serves ${FRONT_ROUTES.map((r) => r.path).join(', ')}`,
    );
  if (!route.methods.includes(req.method ?? ''))
    return refused(405, `${route.path} takes ${route.methods.join(', ')}, not ${req.method}`, {
      allow: route.methods.join(', '),
    });
  if (hasBody(req) && !isJson(req.headers['content-type']))
    return refused(
      415,
      `the body must be application/json, not ${JSON.stringify(req.headers['content-type'] ?? 'unspecified')}`,
    );
  return { ok: true, route };
}

/** The refusal as the client sees it: an OpenAI-style error object with the reason. */
export function sendRefusal(res: http.ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({
    error: {
      message: `factory server: ${refusal.message}`,
      type: 'factory_front_refused',
      code: refusal.status,
    },
  });
  res.writeHead(refusal.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...refusal.headers,
  });
  res.end(body);
}
