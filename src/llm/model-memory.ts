/**
 * How much memory a model server will need, estimated before it starts: the size of the model's
 * weight files times a fixed overhead, or the figure the user configured. Only an estimate: the
 * KV cache grows with the context, and runtimes differ; it is there to stop two models that
 * plainly cannot fit from being loaded together (and the machine swapping to a halt).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Bytes in the GB factory speaks of (as `free -g` counts). */
export const GB = 2 ** 30;

/**
 * Weights are not all a model server holds: the KV cache, activations and the runtime itself
 * come on top. A fifth more is what a 7B 4-bit model under mlx_lm.server or llama-server with a
 * modest context uses in practice; a configured `memory` is taken as it is.
 */
export const OVERHEAD = 1.2;

const WEIGHTS = /\.(safetensors|gguf|bin)$/i;
/** How deep a model folder is searched for weight files (some repos keep them in a subfolder). */
const MAX_DEPTH = 3;

export interface MemoryEstimate {
  /** Bytes the server is expected to need; null when nothing says (no files found, nothing set). */
  bytes: number | null;
  /** Where the figure comes from (the config key, or the files), or why there is none. */
  from: string;
}

/** The flags model servers take a model path or Hugging Face id with (mlx_lm, llama-server, vLLM). */
const MODEL_FLAGS = new Set(['-m', '--model', '--model-path', '-hf', '--hf-repo']);

/** Bytes of the weight files under `dir`, following symlinks to files (the HF cache's blobs). */
async function weightBytes(dir: string, depth = 0): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    const full = path.join(dir, e.name);
    // Only real folders are entered: a link to a folder could lead in a circle.
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH) total += await weightBytes(full, depth + 1);
    } else if (WEIGHTS.test(e.name)) {
      const st = await stat(full).catch(() => null);
      if (st?.isFile()) total += st.size;
    }
  }
  return total;
}

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else ~/.cache/…. */
export function hfHubCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'huggingface', 'hub');
}

/** The snapshot `refs/main` names, else the newest one: what a server loading the id would use. */
async function snapshotOf(repoDir: string): Promise<string | null> {
  const snapshots = path.join(repoDir, 'snapshots');
  const main = (await readFile(path.join(repoDir, 'refs', 'main'), 'utf8').catch(() => '')).trim();
  if (main && (await stat(path.join(snapshots, main)).catch(() => null))?.isDirectory())
    return path.join(snapshots, main);
  const names = await readdir(snapshots).catch(() => [] as string[]);
  let newest: { dir: string; at: number } | null = null;
  for (const name of names) {
    const st = await stat(path.join(snapshots, name)).catch(() => null);
    if (st?.isDirectory() && (!newest || st.mtimeMs > newest.at))
      newest = { dir: path.join(snapshots, name), at: st.mtimeMs };
  }
  return newest?.dir ?? null;
}

const HF_ID = /^[\w.-]+\/[\w.-]+(:[\w.-]+)?$/;

/** Bytes of one model reference (a file, a folder, or a Hugging Face id in the cache), and where. */
async function filesOf(
  ref: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ bytes: number; where: string } | null> {
  const local = path.resolve(cwd, ref.replace(/^~(?=$|\/)/, os.homedir()));
  const st = await stat(local).catch(() => null);
  if (st?.isFile() && st.size > 0) return { bytes: st.size, where: local };
  if (st?.isDirectory()) {
    const bytes = await weightBytes(local);
    return bytes > 0 ? { bytes, where: local } : null;
  }
  if (!HF_ID.test(ref)) return null;
  // llama-server's `-hf org/name:Q4_K_M` names a quantisation after the colon.
  const id = ref.replace(/:.*$/, '');
  const snapshot = await snapshotOf(path.join(hfHubCache(env), `models--${id.replace('/', '--')}`));
  if (!snapshot) return null;
  const bytes = await weightBytes(snapshot);
  return bytes > 0 ? { bytes, where: snapshot } : null;
}

export interface ModelToEstimate {
  /** The model name (what `{model}` becomes). */
  model: string;
  /** The server command, placeholders and all: a path after `-m`/`--model` is the model's. */
  command: string[];
  /** GB configured, or null: estimate from the files. */
  memoryGB: number | null;
  /** The config key of `memoryGB`, named in messages ("server.memory"). */
  key: string;
}

/** The memory one model server needs: the configured figure, else its weight files × OVERHEAD. */
export async function estimateMemory(
  m: ModelToEstimate,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<MemoryEstimate> {
  if (m.memoryGB !== null) return { bytes: Math.round(m.memoryGB * GB), from: m.key };
  const refs: string[] = [];
  m.command.forEach((arg, i) => {
    const next = m.command[i + 1];
    if (MODEL_FLAGS.has(arg) && next) refs.push(next.replaceAll('{model}', m.model));
    const eq = /^(--model|--model-path|--hf-repo)=(.+)$/.exec(arg);
    if (eq) refs.push(eq[2]!.replaceAll('{model}', m.model));
  });
  refs.push(m.model);
  for (const ref of new Set(refs)) {
    const found = await filesOf(ref, opts.cwd ?? process.cwd(), opts.env ?? process.env);
    if (found)
      return {
        bytes: Math.round(found.bytes * OVERHEAD),
        from: `model files in ${found.where} ×${OVERHEAD}`,
      };
  }
  return { bytes: null, from: `no model files found for ${m.model} and ${m.key} is not set` };
}

/** Memory free for a new process: Linux's MemAvailable (caches it can drop count), else os.freemem(). */
export async function freeMemory(): Promise<number> {
  const info = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = /^MemAvailable:\s+(\d+)\s*kB/m.exec(info);
  return kb ? Number(kb[1]) * 1024 : os.freemem();
}

/** "7.4 GB". */
export const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;
