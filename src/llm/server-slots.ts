import type { EndpointConfig } from './types.js';
import { serverRoot } from './server-root.js';

/**
 * How many requests the server serves at once, when it says: llama-server's `GET /props` has
 * `total_slots` (its `--parallel`), and it takes a slot number with each request, so the queue
 * can keep each task on the slot whose KV cache holds its prompt. Other servers (mlx_lm.server,
 * Ollama, vLLM) have no such route, and keep the configured concurrency.
 */
export async function learnSlots(
  endpoint: Pick<EndpointConfig, 'baseURL' | 'apiKey'>,
  timeoutMs = 2000,
): Promise<Pick<EndpointConfig, 'concurrency' | 'slotIds'> | undefined> {
  const root = serverRoot(endpoint.baseURL);
  try {
    const res = await fetch(`${root}/props`, {
      headers: { authorization: `Bearer ${endpoint.apiKey || 'local'}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    const slots = ((await res.json()) as { total_slots?: unknown }).total_slots;
    // Each slot serves one sequence: as many requests at once as slots, each sent to its own.
    return typeof slots === 'number' && Number.isInteger(slots) && slots >= 1
      ? { concurrency: slots, slotIds: true }
      : undefined;
  } catch {
    return undefined;
  }
}
