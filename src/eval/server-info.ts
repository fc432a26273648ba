/**
 * What the server says about the model it serves, for the results file: its quantisation, when
 * it says. LM Studio lists it with each model (`/api/v0/models`), Ollama in the details of
 * `/api/show`, some OpenAI-compatible servers in `/v1/models`. Never guessed from the model's name.
 * Only routes the queue front passes on are asked, so the answer is the same through the front.
 */
import { serverRoot } from '../llm/server-root.js';

const TIMEOUT_MS = 3000;

async function getJson(url: string, apiKey: string, body?: unknown): Promise<unknown> {
  try {
    const res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${apiKey || 'local'}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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

/** The model's entry in a `{data: [...]}` list: the one with its id, else the only one. */
function entryOf(body: unknown, model: string): unknown {
  const list = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return undefined;
  return list.find((m) => (m as { id?: unknown })?.id === model) ?? (list.length === 1 ? list[0] : undefined);
}

export async function serverQuantization(server: {
  baseURL: string;
  model: string;
  apiKey: string;
}): Promise<string | null> {
  const root = serverRoot(server.baseURL);
  const [models, lmstudio, ollama] = await Promise.all([
    getJson(`${server.baseURL.replace(/\/+$/, '')}/models`, server.apiKey),
    getJson(`${root}/api/v0/models`, server.apiKey),
    getJson(`${root}/api/show`, server.apiKey, { model: server.model }),
  ]);
  return (
    quantizationIn(entryOf(models, server.model)) ??
    quantizationIn(entryOf(lmstudio, server.model)) ??
    quantizationIn((ollama as { details?: unknown } | null)?.details)
  );
}
