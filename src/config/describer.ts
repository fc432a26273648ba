import type { Config } from './schema.js';

export interface DescriberServer {
  baseURL: string;
  model: string;
  apiKey: string;
  /** True when it is the main server (no `visual.describer.baseURL` of its own). */
  shared: boolean;
}

/**
 * The server the visual check's describer talks to. Without a baseURL of its own it is the main
 * server, with its key; a describer on its own server never gets the main server's key (it may
 * belong to someone else), only its own or "local". The model falls back to server.model, which
 * suits a main server that serves one vision-capable model.
 */
export function describerServer(config: Pick<Config, 'server' | 'visual'>): DescriberServer | null {
  const visual = config.visual;
  if (!visual) return null;
  const own = visual.describer;
  const shared = own.baseURL === null;
  return {
    baseURL: own.baseURL ?? config.server.baseURL,
    model: own.model ?? config.server.model,
    apiKey: own.apiKey ?? (shared ? config.server.apiKey : 'local'),
    shared,
  };
}
