import type { ServerResponse } from 'node:http';
import { dialects, errorBody, type Dialect } from './dialects.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * An error answer as the dialect writes it. llama-server (cpp-httplib) closes the connection
 * after every error response, so a client must not reuse that socket.
 */
export function sendError(res: ServerResponse, dialect: Dialect, status: number, message: string): void {
  const traits = dialects[dialect];
  const close: Record<string, string> = traits.llama?.closeOnError ? { connection: 'close' } : {};
  sendJson(res, status, errorBody(dialect, status, message), { ...traits.headers, ...close });
}
