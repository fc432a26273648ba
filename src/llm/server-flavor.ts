import path from 'node:path';
import { describeServer, guessFlavor, type ServerFlavor } from './errors.js';
import { serverRoot } from './server-root.js';

/**
 * Which server software runs behind an endpoint, so that messages can name it ("llama-server at
 * …") and give hints that fit it. Learnt, in this order, from the command factory starts it with,
 * from routes only one family has (`/props` is llama.cpp's, `/api/version` Ollama's), and from
 * the `Server` header of its answers.
 */

/** The family a model-server command starts, from its program and arguments; undefined if unknown. */
export function flavorFromCommand(command: readonly string[] | null | undefined): ServerFlavor | undefined {
  if (!command || command.length === 0) return undefined;
  const words = command.slice(0, 4).map((w) => path.basename(w).toLowerCase());
  // `mlx_lm.server …` and `python -m mlx_lm.server …` (or `mlx_lm server` in newer releases).
  if (words.some((w) => w.startsWith('mlx_lm'))) return 'mlx';
  if (words.some((w) => w.startsWith('llama-server') || w === 'llama.cpp' || w === 'server.exe')) {
    return 'llamacpp';
  }
  if (words[0] === 'ollama') return 'ollama';
  return undefined;
}

const asJson = async (res: Response): Promise<Record<string, unknown> | null> => {
  try {
    const v = (await res.json()) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * Asks a running server what it is. `baseURL` is its API root (…/v1). Never throws: a server that
 * does not answer these routes is simply 'generic'.
 */
export async function probeFlavor(baseURL: string, timeoutMs = 2000): Promise<ServerFlavor> {
  const root = serverRoot(baseURL);
  const get = (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch(() => null as Response | null);
  const props = await get(`${root}/props`);
  if (props?.ok) {
    const body = await asJson(props);
    // llama-server's own settings page: no other family serves these fields.
    if (body && ('default_generation_settings' in body || 'total_slots' in body || 'n_ctx' in body)) {
      return 'llamacpp';
    }
  } else await props?.body?.cancel();
  const version = await get(`${root}/api/version`);
  if (version?.ok) {
    const body = await asJson(version);
    if (body && typeof body.version === 'string') return 'ollama';
  } else await version?.body?.cancel();
  const models = await get(`${baseURL.replace(/\/+$/, '')}/models`);
  await models?.body?.cancel();
  const seen = [props, version, models].map((r) => guessFlavor(r?.headers)).find((f) => f !== 'generic');
  return seen ?? 'generic';
}

/** The `Server` header value the front gives a flavour when the model server sent none. */
export const serverHeaderOf: Record<ServerFlavor, string | undefined> = {
  mlx: 'mlx_lm.server (Python)',
  llamacpp: 'llama.cpp',
  ollama: 'ollama',
  generic: undefined,
};

/**
 * What to look at when a model server of this family exits (`crash`) or will not start or stay
 * up (`start`).
 */
export function downHint(flavor: ServerFlavor, when: 'crash' | 'start' = 'start'): string {
  if (when === 'crash') return 'its own last lines are in `factory server logs`';
  switch (flavor) {
    case 'llamacpp':
      return 'its own last lines are in `factory server logs`: "failed to load model" means a wrong -m/--model path or a model that does not fit in memory (try a smaller -c/--ctx-size or -ngl)';
    case 'mlx':
      return 'its own last lines are in `factory server logs`: check that server.model names a model mlx_lm can load, and that it fits in memory';
    case 'ollama':
      return 'its own last lines are in `factory server logs`; check that the model is pulled (`ollama pull`)';
    default:
      return 'its own last lines are in `factory server logs`';
  }
}

export { describeServer, type ServerFlavor };
