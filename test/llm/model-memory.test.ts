import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';
import { estimateMemory, freeMemory, GB, hfHubCache, OVERHEAD } from '../../src/llm/model-memory.js';
import { checkMemory } from '../../src/llm/memory-check.js';

const made: TempFolder[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => d.remove()));
});
async function tempDir(): Promise<string> {
  const d = await tempFolder('factory-memory');
  made.push(d);
  return d.path;
}

/** A file of `bytes` bytes (sparse: no disk used, but stat says its size). */
async function sized(file: string, bytes: number): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '');
  await truncate(file, bytes);
  return file;
}

const MiB = 2 ** 20;
const withOverhead = (bytes: number) => Math.round(bytes * OVERHEAD);
const mlx = ['mlx_lm.server', '--model', '{model}', '--host', '{host}', '--port', '{port}'];

describe('model memory estimate', () => {
  it('takes the configured figure as it is, without the overhead', async () => {
    const e = await estimateMemory({ model: 'org/any', command: mlx, memoryGB: 7.5, key: 'server.memory' });
    expect(e).toEqual({ bytes: 7.5 * GB, from: 'server.memory' });
  });

  it('sizes a model file named by -m (llama-server), or by --model=', async () => {
    const dir = await tempDir();
    const file = await sized(path.join(dir, 'models', 'coder-q4.gguf'), 300 * MiB);
    const command = ['llama-server', '-m', file, '--port', '{port}'];
    const e = await estimateMemory({ model: 'coder', command, memoryGB: null, key: 'server.memory' });
    expect(e.bytes).toBe(withOverhead(300 * MiB));
    expect(e.from).toBe(`model files in ${file} ×1.2`);
    // Relative to where factory runs, like the server started from there.
    const rel = await estimateMemory(
      { model: 'coder', command: ['vllm', `--model=models/coder-q4.gguf`], memoryGB: null, key: 'k' },
      { cwd: dir },
    );
    expect(rel.bytes).toBe(withOverhead(300 * MiB));
  });

  it('adds up the weight files of a model folder, and nothing else in it', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'Qwen2.5-VL-3B-4bit');
    await sized(path.join(model, 'model-00001-of-00002.safetensors'), 100 * MiB);
    await sized(path.join(model, 'model-00002-of-00002.safetensors'), 50 * MiB);
    await sized(path.join(model, 'mmproj', 'vision.gguf'), 20 * MiB);
    await sized(path.join(model, 'tokenizer.json'), 7 * MiB);
    await writeFile(path.join(model, 'config.json'), '{}');
    const e = await estimateMemory({ model, command: mlx, memoryGB: null, key: 'server.memory' });
    expect(e.bytes).toBe(withOverhead(170 * MiB));
  });

  it('finds a Hugging Face id in the HF cache, following its links into blobs, newest snapshot only', async () => {
    const hub = await tempDir();
    const repo = path.join(hub, 'models--mlx-community--Qwen2.5-VL-3B-Instruct-4bit');
    const blob = (name: string, bytes: number) => sized(path.join(repo, 'blobs', name), bytes);
    const link = async (snapshot: string, name: string, target: string) => {
      await mkdir(path.join(repo, 'snapshots', snapshot), { recursive: true });
      await symlink(
        path.relative(path.join(repo, 'snapshots', snapshot), target),
        path.join(repo, 'snapshots', snapshot, name),
      );
    };
    await link('aaa111', 'model.safetensors', await blob('old', 400 * MiB));
    await link('bbb222', 'model.safetensors', await blob('new', 200 * MiB));
    await link('bbb222', 'extra.bin', await blob('extra', 10 * MiB));
    await link('bbb222', 'config.json', await blob('cfg', 1000));
    const model = 'mlx-community/Qwen2.5-VL-3B-Instruct-4bit';
    const ask = (env: NodeJS.ProcessEnv, command = mlx) =>
      estimateMemory({ model, command, memoryGB: null, key: 'visual.describer.memory' }, { env });

    // No refs/main: the snapshot changed last is the one in use.
    await utimes(path.join(repo, 'snapshots', 'aaa111'), new Date(1000), new Date(1000));
    const newest = await ask({ HF_HUB_CACHE: hub });
    expect(newest.bytes).toBe(withOverhead(210 * MiB));
    expect(newest.from).toBe(`model files in ${path.join(repo, 'snapshots', 'bbb222')} ×1.2`);
    // refs/main names the snapshot a server loading the id uses.
    await mkdir(path.join(repo, 'refs'));
    await writeFile(path.join(repo, 'refs', 'main'), 'aaa111\n');
    expect((await ask({ HF_HUB_CACHE: hub })).bytes).toBe(withOverhead(400 * MiB));
    // llama-server's -hf id:quant is the same cache entry.
    const hf = await ask({ HF_HUB_CACHE: hub }, [
      'llama-server',
      '-hf',
      `${model}:Q4_K_M`,
      '--port',
      '{port}',
    ]);
    expect(hf.bytes).toBe(withOverhead(400 * MiB));
  });

  it('looks for the HF cache where huggingface_hub does', () => {
    expect(hfHubCache({ HF_HUB_CACHE: '/a/hub', HF_HOME: '/b' })).toBe('/a/hub');
    expect(hfHubCache({ HF_HOME: '/b' })).toBe('/b/hub');
    expect(hfHubCache({ XDG_CACHE_HOME: '/c' })).toBe('/c/huggingface/hub');
    expect(hfHubCache({})).toBe(path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('says it cannot estimate a model with no files and no configured figure', async () => {
    const hub = await tempDir();
    const e = await estimateMemory(
      { model: 'org/not-downloaded', command: mlx, memoryGB: null, key: 'server.memory' },
      { env: { HF_HUB_CACHE: hub } },
    );
    expect(e).toEqual({
      bytes: null,
      from: 'no model files found for org/not-downloaded and server.memory is not set',
    });
  });

  it('reads the free memory of this machine', async () => {
    const free = await freeMemory();
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(os.totalmem());
  });
});

describe('memory check of the main model and the describer', () => {
  const need = (name: string, gbs: number | null, running = false) => ({
    name,
    estimate: {
      bytes: gbs === null ? null : gbs * GB,
      from: gbs === null ? `no model files found for ${name}` : 'x',
    },
    running,
  });

  it('refuses two models that need more than is free, naming both figures and the free memory', () => {
    const v = checkMemory([need('main', 7.4), need('describer', 1.7)], 6 * GB);
    expect(v.kind).toBe('too-much');
    expect(v.line).toBe(
      "the two models need about 9.1 GB (main 7.4 GB, describer 1.7 GB) by factory's estimate, but 6.0 GB of memory is free; use --force to start them anyway",
    );
  });

  it('does not count a model that already runs: the free memory has it', () => {
    const fits = checkMemory([need('main', 7.4, true), need('describer', 1.7)], 2 * GB);
    expect(fits.kind).toBe('fits');
    expect(fits.line).toContain('the main model (7.4 GB) already runs and is counted in the free memory');
    const not = checkMemory([need('main', 7.4, true), need('describer', 1.7)], 1 * GB);
    expect(not.kind).toBe('too-much');
    expect(not.line).toMatch(
      /^the describer model needs about 1\.7 GB by factory's estimate; the main model \(7\.4 GB\) already runs.*but 1\.0 GB of memory is free; use --force to start it anyway$/,
    );
  });

  it('goes on with a notice when a size is unknown, unless the known one alone is too much', () => {
    const unknown = checkMemory([need('main', null), need('describer', 1.7)], 6 * GB);
    expect(unknown).toMatchObject({ kind: 'unknown' });
    expect(unknown.line).toBe(
      'cannot estimate whether the models fit in memory (6.0 GB free): main: no model files found for main',
    );
    const still = checkMemory([need('main', null), need('describer', 100_000)], 6 * GB);
    expect(still.kind).toBe('too-much');
    expect(still.line).toContain('(main unknown, describer 100000.0 GB) even without the unknown one');
  });

  it('lets two models that fit start, saying what it compared', () => {
    const v = checkMemory([need('main', 4), need('describer', 2)], 16 * GB);
    expect(v).toMatchObject({ kind: 'fits', need: 6 * GB });
    expect(v.line).toBe(
      "the two models need about 6.0 GB (main 4.0 GB, describer 2.0 GB) by factory's estimate; 16.0 GB is free",
    );
  });
});
