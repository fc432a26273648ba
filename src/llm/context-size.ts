/**
 * How many tokens one request may use on an endpoint, learnt from the server itself: a prompt
 * longer than that is silently cut (Ollama) or refused (llama-server, vLLM), and a `max_tokens`
 * past it is wasted or refused. Each server family says it on its own route; factory asks once per
 * endpoint and run.
 */

import { readState, serverHome, stateDir } from './state.js';
import { serverRoot } from './server-root.js';

/** The server software whose context size was found (or 'unknown'). */
export type ContextServer = 'llamacpp' | 'ollama' | 'lmstudio' | 'vllm' | 'unknown';

export interface ContextLimit {
  /** Tokens one request may use, prompt and answer together; null when nothing says. */
  tokens: number | null;
  /** Parallel slots the server reported (llama-server splits `-c` across them). */
  slots?: number;
  server: ContextServer;
  /** Where the number came from, for messages ("/props n_ctx per slot", "server.contextSize"). */
  source: string;
  /** The server's own setting that changes it, for the user. */
  setting: string;
  /** The endpoint asked. */
  baseURL: string;
}

export interface ContextEndpoint {
  baseURL: string;
  apiKey: string;
  model: string;
  /** From the configuration: when set, the server is not asked. */
  contextSize?: number | null;
}

/** Ollama's context when neither the model nor OLLAMA_CONTEXT_LENGTH sets one. */
export const OLLAMA_DEFAULT_CONTEXT = 4096;
const PROBE_TIMEOUT_MS = 5000;

export const SETTINGS: Record<ContextServer, string> = {
  llamacpp: "llama-server's -c/--ctx-size (split across its -np slots)",
  ollama: 'OLLAMA_CONTEXT_LENGTH on the Ollama server, or num_ctx in the model (a Modelfile PARAMETER)',
  lmstudio: "the model's context length in LM Studio's load settings",
  vllm: "vLLM's --max-model-len",
  unknown: 'server.contextSize in .factoryrc.json',
};

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

async function getJson(url: string, ep: ContextEndpoint, body?: unknown): Promise<Json | undefined> {
  try {
    const res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${ep.apiKey || 'local'}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    return obj(await res.json());
  } catch {
    // Not this server's route, or no server: another probe or the default decides.
    return undefined;
  }
}

const limit = (ep: ContextEndpoint, server: ContextServer, tokens: number | null, source: string) => ({
  tokens,
  server,
  source,
  setting: SETTINGS[server],
  baseURL: ep.baseURL,
});

/** llama-server: `/props` has the context of one slot and the slot count. */
function fromProps(ep: ContextEndpoint, props: Json | undefined): ContextLimit | undefined {
  const perSlot = num(obj(props?.default_generation_settings)?.n_ctx);
  if (!perSlot) return undefined;
  const slots = num(props?.total_slots);
  return {
    ...limit(
      ep,
      'llamacpp',
      perSlot,
      slots && slots > 1 ? `/props, n_ctx per slot of ${slots}` : '/props n_ctx',
    ),
    ...(slots ? { slots } : {}),
  };
}

function modelEntry(list: Json | undefined, model: string): Json | undefined {
  const data = Array.isArray(list?.data) ? (list.data as unknown[]).map(obj).filter(Boolean) : [];
  return (data.find((m) => m?.id === model) ?? data[0]) as Json | undefined;
}

/** vLLM: `max_model_len` on the model; llama-server: `meta.n_ctx`, else the training size. */
function fromModels(ep: ContextEndpoint, list: Json | undefined): ContextLimit | undefined {
  const entry = modelEntry(list, ep.model);
  const maxLen = num(entry?.max_model_len);
  if (maxLen) return limit(ep, 'vllm', maxLen, '/v1/models max_model_len');
  const meta = obj(entry?.meta);
  const nCtx = num(meta?.n_ctx) ?? num(meta?.n_ctx_train);
  if (nCtx)
    return limit(
      ep,
      'llamacpp',
      nCtx,
      num(meta?.n_ctx) ? '/v1/models meta.n_ctx' : '/v1/models meta.n_ctx_train',
    );
  return undefined;
}

/** LM Studio: `/api/v0/models` has the loaded context of each model. */
function fromLmStudio(ep: ContextEndpoint, list: Json | undefined): ContextLimit | undefined {
  if (!Array.isArray(list?.data)) return undefined;
  const data = (list.data as unknown[]).map(obj).filter((m): m is Json => Boolean(m));
  const entry =
    data.find((m) => m.id === ep.model && num(m.loaded_context_length)) ??
    data.find((m) => m.id === ep.model) ??
    data.find((m) => num(m.loaded_context_length));
  if (!entry || !('max_context_length' in entry || 'loaded_context_length' in entry)) return undefined;
  const loaded = num(entry.loaded_context_length);
  if (loaded) return limit(ep, 'lmstudio', loaded, '/api/v0/models loaded_context_length');
  // Not loaded yet: LM Studio loads it on first use with its load settings, which nothing shows.
  return limit(ep, 'lmstudio', null, '/api/v0/models (model not loaded)');
}

/** The `num_ctx` line of Ollama's `parameters` text ("num_ctx    8192"). */
function numCtxParameter(parameters: unknown): number | undefined {
  if (typeof parameters !== 'string') return undefined;
  const m = /^\s*num_ctx\s+(\d+)\s*$/m.exec(parameters);
  return m ? num(Number(m[1])) : undefined;
}

/**
 * Ollama: the context in effect is the model's `num_ctx` parameter, else OLLAMA_CONTEXT_LENGTH,
 * else 4096, never more than the model's own `<arch>.context_length`. Ollama cuts longer prompts
 * without a word, so this one must be right.
 */
function fromOllama(
  ep: ContextEndpoint,
  show: Json | undefined,
  env: NodeJS.ProcessEnv,
): ContextLimit | undefined {
  const info = obj(show?.model_info);
  if (!show || (!info && typeof show.parameters !== 'string' && !obj(show.details))) return undefined;
  const arch = typeof info?.['general.architecture'] === 'string' ? info['general.architecture'] : '';
  const trained =
    num(info?.[`${arch}.context_length`]) ??
    num(Object.entries(info ?? {}).find(([k]) => k.endsWith('.context_length'))?.[1]);
  const param = numCtxParameter(show.parameters);
  const fromEnv = num(Number(env.OLLAMA_CONTEXT_LENGTH));
  const [inEffect, source] = param
    ? [param, '/api/show num_ctx']
    : fromEnv
      ? [fromEnv, 'OLLAMA_CONTEXT_LENGTH']
      : [OLLAMA_DEFAULT_CONTEXT, "Ollama's default num_ctx"];
  const tokens = trained ? Math.min(inEffect, trained) : inEffect;
  return limit(ep, 'ollama', tokens, tokens < inEffect ? `/api/show ${arch}.context_length` : source);
}

/**
 * Asks the server at `ep` how large its context is. Every family's route is asked at once (each is
 * a 404 elsewhere); the most specific answer wins: llama-server's per-slot `/props`, LM Studio's
 * loaded length, Ollama's `/api/show`, then `/v1/models` (vLLM, or llama-server's model meta).
 * mlx_lm.server has no fixed limit and says nothing: `tokens` is null.
 */
export async function detectContextLimit(
  ep: ContextEndpoint,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ContextLimit> {
  if (ep.contextSize) return limit(ep, 'unknown', ep.contextSize, 'server.contextSize');
  const root = serverRoot(ep.baseURL);
  const [props, models, lmstudio, show] = await Promise.all([
    getJson(`${root}/props`, ep),
    getJson(`${ep.baseURL.replace(/\/+$/, '')}/models`, ep),
    getJson(`${root}/api/v0/models`, ep),
    getJson(`${root}/api/show`, ep, { model: ep.model }),
  ]);
  return (
    fromProps(ep, props) ??
    fromLmStudio(ep, lmstudio) ??
    fromOllama(ep, show, env) ??
    fromModels(ep, models) ??
    limit(ep, 'unknown', null, 'no context size reported')
  );
}

const cache = new Map<string, Promise<ContextLimit>>();

/** `detectContextLimit`, asked once per endpoint, model and override for the whole run. */
export function contextLimit(ep: ContextEndpoint): Promise<ContextLimit> {
  const key = `${ep.baseURL}\n${ep.model}\n${ep.contextSize ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = detectContextLimit(ep);
    cache.set(key, found);
  }
  return found;
}

/**
 * The limit every request must fit, for a pool of endpoints: a request may go to any of them, so
 * the smallest known one. Unknown (null) only when no endpoint reports one.
 */
export async function poolContextLimit(eps: ContextEndpoint[]): Promise<ContextLimit> {
  const all = await Promise.all(eps.map(contextLimit));
  const known = all.filter((l) => l.tokens !== null);
  if (!known.length) return all[0]!;
  return known.reduce((a, b) => (b.tokens! < a.tokens! ? b : a));
}

/** "llama-server at http://…: 4096 tokens (/props n_ctx)", for messages. */
export function describeLimit(l: ContextLimit): string {
  const names: Record<ContextServer, string> = {
    llamacpp: 'llama-server',
    ollama: 'Ollama',
    lmstudio: 'LM Studio',
    vllm: 'vLLM',
    unknown: 'the inference server',
  };
  const size = l.tokens === null ? 'no known context size' : `a context of ${l.tokens} tokens`;
  return `${names[l.server]} at ${l.baseURL} has ${size} (${l.source})`;
}

/** The server settings the context size depends on (config's `server`). */
export interface ContextSettings {
  baseURL: string;
  apiKey: string;
  model: string;
  contextSize?: number | null;
  endpoints: { baseURL: string; contextSize?: number | null }[];
}

/**
 * The model server behind factory's own queue front on `baseURL`, from the front's state file;
 * null when no front of ours runs there. It is asked directly: through the front the question
 * would wait in the request queue behind other tasks' answers, and the front forwards paths under
 * `/v1`, while `/props` and `/api/show` are beside it.
 */
export async function modelServerBehind(baseURL: string, root = stateDir()): Promise<string | null> {
  const state = await readState(serverHome(baseURL, root));
  if (!state?.modelPort || !state.modelPid || state.phase !== 'ready') return null;
  const host = state.host.includes(':') ? `[${state.host}]` : state.host;
  return `http://${host}:${state.modelPort}/v1`;
}

/** The context every request of this configuration must fit: its endpoints' smallest. */
export async function serverContextLimit(s: ContextSettings, root = stateDir()): Promise<ContextLimit> {
  const ep = (baseURL: string, contextSize?: number | null) => ({
    baseURL,
    apiKey: s.apiKey,
    model: s.model,
    contextSize: contextSize ?? s.contextSize ?? null,
  });
  const behind = await modelServerBehind(s.baseURL, root);
  const limit = await poolContextLimit([
    ep(behind ?? s.baseURL),
    ...s.endpoints.map((e) => ep(e.baseURL, e.contextSize)),
  ]);
  // Messages name the address the user configured, not the front's private port.
  return behind && limit.baseURL === behind ? { ...limit, baseURL: s.baseURL } : limit;
}
