/**
 * What the server says about the model it serves, for the results file: its quantisation, when
 * it says (llama-server and LM Studio list it with the model in /v1/models, Ollama in the details
 * of /api/tags). Never guessed from the model's name.
 */
import { serverRoot } from '../llm/server-root.js';

const TIMEOUT_MS = 3000;

async function getJson(url: string, apiKey: string): Promise<unknown> {
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey || 'local'}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

const QUANT_KEYS = ['quantization', 'quantization_level', 'quant', 'quantization_type'];

/** The first quantisation field found in an object or its `details`/`meta`. */
export function quantizationIn(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const e = entry as Record<string, unknown>;
  for (const k of QUANT_KEYS) if (typeof e[k] === 'string' && e[k]) return e[k];
  for (const inner of ['details', 'meta']) {
    const found = quantizationIn(e[inner]);
    if (found) return found;
  }
  return null;
}

const listOf = (body: unknown, field: string): unknown[] => {
  const v = (body as Record<string, unknown> | null)?.[field];
  return Array.isArray(v) ? v : [];
};

const named = (list: unknown[], model: string, keys: string[]) =>
  list.find((m) => keys.some((k) => (m as Record<string, unknown>)?.[k] === model)) ??
  (list.length === 1 ? list[0] : undefined);

export async function serverQuantization(server: {
  baseURL: string;
  model: string;
  apiKey: string;
}): Promise<string | null> {
  const models = await getJson(`${server.baseURL.replace(/\/+$/, '')}/models`, server.apiKey);
  const found = quantizationIn(named(listOf(models, 'data'), server.model, ['id']));
  if (found) return found;
  const tags = await getJson(`${serverRoot(server.baseURL)}/api/tags`, server.apiKey);
  return quantizationIn(named(listOf(tags, 'models'), server.model, ['name', 'model']));
}
