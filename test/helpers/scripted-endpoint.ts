import type { EndpointConfig } from '../../src/llm/types.js';

/** How factory's client reaches a scripted server directly: one request at a time, any key. */
export function scriptedEndpoint(server: { baseURL: string }, model = 'scripted-model'): EndpointConfig {
  return { baseURL: server.baseURL, apiKey: 'local', model, concurrency: 1 };
}
