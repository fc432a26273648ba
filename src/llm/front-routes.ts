import { serverRoot } from './server-root.js';

/**
 * Every route the queue front serves, in one place. Anything else is refused with 404 before it
 * can reach the model server: the front holds the model server's API key and the user's model
 * time, so it forwards only what factory itself asks. To let factory read one more route, add a
 * line here.
 *
 * `to` says who answers:
 * - 'front': the front itself (its status and health);
 * - 'v1': the model server's OpenAI API, under the endpoint's baseURL (`/v1/models` goes to
 *   `<baseURL>/models`);
 * - 'root': the model server's own routes beside its `/v1` (llama.cpp `/props`, Ollama `/api/…`,
 *   LM Studio `/api/v0/…`), which the context-size detection reads.
 */
export interface FrontRoute {
  path: string;
  methods: readonly string[];
  to: 'front' | 'v1' | 'root';
}

export const FRONT_ROUTES: readonly FrontRoute[] = [
  { path: '/factory/status', methods: ['GET'], to: 'front' },
  { path: '/health', methods: ['GET'], to: 'front' },
  { path: '/v1/chat/completions', methods: ['POST'], to: 'v1' },
  { path: '/v1/models', methods: ['GET'], to: 'v1' },
  // llama.cpp: n_ctx per slot and the slot count.
  { path: '/props', methods: ['GET'], to: 'root' },
  // Ollama: the model's context length and the num_ctx in effect; the version names the server.
  { path: '/api/show', methods: ['POST'], to: 'root' },
  { path: '/api/version', methods: ['GET'], to: 'root' },
  // LM Studio: loaded_context_length.
  { path: '/api/v0/models', methods: ['GET'], to: 'root' },
];

/** The route a request path (query string and all) names, if the front serves it. */
export function frontRoute(url: string | undefined): FrontRoute | undefined {
  const path = pathOf(url);
  return FRONT_ROUTES.find((r) => r.path === path);
}

/**
 * The path without its query. Nothing is normalised: `/v1/../x` or `//v1/models` are not listed
 * routes, so they are refused rather than guessed at.
 */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/**
 * Where a forwarded request goes on one model server, whose API root is `baseURL` (…/v1). Only
 * listed routes have a place there; the front refuses the others before asking.
 */
export function upstreamURL(baseURL: string, url: string | undefined): URL {
  const route = frontRoute(url);
  if (!route || route.to === 'front') throw new Error(`${pathOf(url)} is not forwarded to the model server`);
  const raw = url ?? '/';
  if (route.to === 'root') return new URL(serverRoot(baseURL) + raw);
  return new URL(baseURL.replace(/\/+$/, '') + raw.replace(/^\/v1/, ''));
}
