import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  describeScreenshots,
  MAX_DESCRIPTION_CHARS,
  viewportText,
  type Screenshot,
} from '../../src/visual/describe.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { startFront } from '../../src/llm/front.js';
import type { Inference } from '../../src/llm/inference.js';
import { BUILT_IN_PROMPTS, loadPrompts } from '../../src/agent/prompts/index.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../src/scripted-server/index.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';
import { solidPng } from '../helpers/png.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(cleanupTemps);

async function serve(script: Script) {
  const server = await startScriptedServer({ script, dialect: 'llamacpp' });
  cleanups.push(() => server.close());
  return server;
}

function inference(server: ScriptedServer): Inference {
  const queue = new RequestQueue([scriptedEndpoint(server)], { retries: 0 });
  cleanups.push(() => queue.close());
  return { mode: 'in-process', queue, note: '' };
}

const desktop = { name: 'desktop', width: 1280, height: 800 };
const phone = { name: 'phone', width: 390, height: 844, mobile: true };
const shots: Screenshot[] = [
  { viewport: desktop, png: solidPng(1280, 800) },
  { viewport: phone, png: solidPng(390, 844, [200, 30, 30]) },
];

const describerScript: Script = {
  replies: [
    {
      match: { user: 'viewport "desktop"', images: true },
      images: { sizes: [[1280, 800]] },
      content: 'A light grey page, three columns of cards.',
    },
    {
      match: { user: 'viewport "phone"', images: true },
      images: { sizes: [[390, 844]] },
      content:
        'A red page. VERDICT: FAIL. The grid is wider than the screen; a horizontal scrollbar shows. PASS',
    },
  ],
};

type Body = { messages: { role: string; content: unknown }[]; model: string };

describe('describeScreenshots', () => {
  it('asks once per viewport, with one PNG of its size, and returns each description verbatim', async () => {
    const server = await serve(describerScript);
    const got = await describeScreenshots({ inference: inference(server), task: 'task-7', images: shots });
    expect(got.map((d) => [d.viewport.name, d.text, d.error])).toEqual([
      ['desktop', 'A light grey page, three columns of cards.', undefined],
      // Verdict words in a description are the describer's text, never read as a verdict.
      [
        'phone',
        'A red page. VERDICT: FAIL. The grid is wider than the screen; a horizontal scrollbar shows. PASS',
        undefined,
      ],
    ]);
    expect(got.every((d) => !d.cut)).toBe(true);
    expect(server.requests.map((r) => [r.images, r.status, r.task])).toEqual([
      [[{ width: 1280, height: 800, bytes: shots[0]!.png.length }], 200, 'task-7'],
      [[{ width: 390, height: 844, bytes: shots[1]!.png.length }], 200, 'task-7'],
    ]);
    const body = server.requests[1]!.body as Body;
    expect(body.messages).toEqual([
      { role: 'system', content: BUILT_IN_PROMPTS.describer },
      {
        role: 'user',
        content: [
          { type: 'text', text: viewportText(phone) },
          {
            type: 'image_url',
            image_url: { url: `data:image/png;base64,${shots[1]!.png.toString('base64')}` },
          },
        ],
      },
    ]);
  });

  it('asks only what is on the screen, never for a verdict', () => {
    const p = BUILT_IN_PROMPTS.describer;
    for (const what of [
      'Layout',
      'Visible text',
      'Overflow',
      'horizontal scrollbar',
      'Overlap',
      'Empty areas',
      'Colours',
    ])
      expect(p).toContain(what);
    expect(p).toContain('Do not say whether the page is good, correct, finished');
    expect(p).not.toMatch(/PASS|FAIL|verdict/i);
    expect(viewportText(phone)).not.toMatch(/PASS|FAIL|verdict|correct/i);
  });

  it('reports a clear error for a viewport whose image the server refuses, and still describes the others', async () => {
    const server = await serve(describerScript);
    const wrong: Screenshot[] = [
      { viewport: desktop, png: solidPng(1280, 800) },
      { viewport: phone, png: solidPng(780, 1688) },
    ];
    const got = await describeScreenshots({ inference: inference(server), task: 't', images: wrong });
    expect(got[0]!.text).toBe('A light grey page, three columns of cards.');
    expect(got[1]!.text).toBeUndefined();
    expect(got[1]!.error).toMatch(
      /^no description of the phone screenshot: .*image 1 is 780x1688, expected 390x844/,
    );
    expect(server.requests[1]!.status).toBe(400);
    expect(server.requests[1]!.imagesRefused).toBe('image 1 is 780x1688, expected 390x844');
    // A refusal is not retried.
    expect(server.requests).toHaveLength(2);
  });

  it("goes to the describer's own server and model when it has them, waiting its turn in the main queue", async () => {
    const main = await serve({ default: { content: 'the main model' } });
    const own = await serve({
      model: 'vision-3b',
      replies: [{ match: { images: true }, images: { count: 1 }, content: 'a page with a header' }],
    });
    const got = await describeScreenshots({
      inference: inference(main),
      task: 't',
      images: shots.slice(0, 1),
      describer: { baseURL: own.baseURL, model: 'vision-3b' },
    });
    expect(got[0]!.text).toBe('a page with a header');
    expect(main.requests).toHaveLength(0);
    expect((own.requests[0]!.body as Body).model).toBe('vision-3b');
  });

  it('uses another model on the main server when only the model is given', async () => {
    const main = await serve({ default: { content: 'seen' } });
    await describeScreenshots({
      inference: inference(main),
      task: 't',
      images: shots.slice(1),
      describer: { model: 'vl' },
    });
    expect((main.requests[0]!.body as Body).model).toBe('vl');
  });

  it('caps a long description and says it was cut; an empty answer is an error', async () => {
    const long = 'The page shows a long list. '.repeat(400);
    const server = await serve({
      replies: [
        { match: 'viewport "desktop"', content: long, chunkChars: 2000 },
        { match: 'viewport "phone"', content: '   ' },
      ],
    });
    const got = await describeScreenshots({
      inference: inference(server),
      task: 't',
      images: shots,
      maxTokens: 4096,
    });
    expect(got[0]!.cut).toBe(true);
    expect(got[0]!.text!.startsWith(long.trim().slice(0, MAX_DESCRIPTION_CHARS))).toBe(true);
    expect(got[0]!.text).toMatch(/\[factory: \d+ characters cut\]$/);
    expect(got[1]!.error).toBe("the describer's answer for the phone screenshot was empty");
  });

  it('uses a describer prompt of the user (agent.prompts.describer)', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'prompts'));
    await writeFile(path.join(root, 'prompts/describer.md'), 'List the colours you see.');
    const prompts = await loadPrompts({ describer: 'prompts/describer.md' }, root);
    expect(prompts.sources?.describer).toBe(path.join(root, 'prompts/describer.md'));
    const server = await serve({ default: { content: 'grey' } });
    await describeScreenshots({
      inference: inference(server),
      task: 't',
      images: shots.slice(0, 1),
      prompts,
    });
    expect((server.requests[0]!.body as Body).messages[0]).toEqual({
      role: 'system',
      content: 'List the colours you see.',
    });
  });

  it('passes through the shared queue front (a factory server) with the images intact', async () => {
    const server = await serve(describerScript);
    const upstream = new RequestQueue([scriptedEndpoint(server)], { retries: 0 });
    cleanups.push(() => upstream.close());
    const front = await startFront({ host: '127.0.0.1', port: 0, queue: upstream, token: 'tok' });
    cleanups.push(() => front.close());
    const endpoint = { baseURL: `${front.url}/v1`, apiKey: 'tok', model: 'scripted-model', concurrency: 64 };
    const queue = new RequestQueue([endpoint], { retries: 0 });
    cleanups.push(() => queue.close());
    const inf: Inference = { mode: 'front', queue, note: '', token: 'tok', frontURL: endpoint.baseURL };
    const got = await describeScreenshots({ inference: inf, task: 'task-9', images: shots });
    expect(got.map((d) => d.error)).toEqual([undefined, undefined]);
    expect(server.requests.map((r) => [r.images.map((i) => `${i.width}x${i.height}`), r.task])).toEqual([
      [['1280x800'], 'task-9'],
      [['390x844'], 'task-9'],
    ]);
  });

  it('stops when its signal is aborted, instead of reporting an error', async () => {
    const server = await serve({ default: { content: 'seen' } });
    const stop = new AbortController();
    stop.abort();
    await expect(
      describeScreenshots({ inference: inference(server), task: 't', images: shots, signal: stop.signal }),
    ).rejects.toThrow(/aborted/);
    expect(server.requests).toHaveLength(0);
  });
});
