import { afterEach, describe, expect, it } from 'vitest';
import {
  startScriptedServer,
  type Dialect,
  type Script,
  type ScriptedServer,
} from '../../src/scripted-server/index.js';
import { IMAGE_TOKENS, promptText } from '../../src/scripted-server/images.js';
import { cachedTokens, renderPrompt } from '../../src/scripted-server/prefix-cache.js';
import { solidPng } from '../helpers/png.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: Script, dialect: Dialect = 'mlx') {
  const server = await startScriptedServer({ script, dialect });
  servers.push(server);
  return server;
}

const dataURL = (png: Buffer, mime = 'image/png') => `data:${mime};base64,${png.toString('base64')}`;
const shot = (url: string) => ({ type: 'image_url', image_url: { url } });

async function post(server: ScriptedServer, content: unknown) {
  const r = await fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', max_tokens: 64, messages: [{ role: 'user', content }] }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const answer = (body: Record<string, unknown>) =>
  (body.choices as { message: { content: string } }[])[0]!.message.content;

const describer: Script = {
  replies: [
    {
      match: { user: 'viewport "desktop"', images: true },
      images: { sizes: [[1280, 800]] },
      content: 'two columns',
    },
    {
      match: { user: 'viewport "phone"', images: true },
      images: { sizes: [[390, 844]] },
      content: 'one column',
    },
    { match: { images: false }, content: 'no image here' },
  ],
};

describe('the describer mode', () => {
  it('answers per viewport when the images are PNGs of the sizes asked, and records their sizes', async () => {
    const server = await serve(describer);
    const desktop = solidPng(1280, 800);
    const phone = solidPng(390, 844);
    const a = await post(server, [{ type: 'text', text: 'the viewport "phone"' }, shot(dataURL(phone))]);
    const b = await post(server, [{ type: 'text', text: 'the viewport "desktop"' }, shot(dataURL(desktop))]);
    const c = await post(server, 'the viewport "desktop", in words only');
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect([answer(a.body), answer(b.body), answer(c.body)]).toEqual([
      'one column',
      'two columns',
      'no image here',
    ]);
    expect(server.requests.map((r) => r.images)).toEqual([
      [{ width: 390, height: 844, bytes: phone.length }],
      [{ width: 1280, height: 800, bytes: desktop.length }],
      [],
    ]);
    // Recorded without the base64: the request's image is only in the parsed body.
    const recorded = JSON.stringify(server.requests.map(({ body: _b, ...r }) => r));
    expect(recorded).not.toContain(phone.toString('base64').slice(0, 40));
    // An image counts as a fixed number of prompt tokens, not as its base64 text.
    expect(server.requests[1]!.promptTokens).toBeGreaterThanOrEqual(IMAGE_TOKENS);
    expect(server.requests[1]!.promptTokens).toBeLessThan(IMAGE_TOKENS + 50);
  });

  it.each<[Dialect, (b: Record<string, unknown>) => unknown]>([
    ['mlx', (b) => b.error],
    ['llamacpp', (b) => (b.error as { message: string }).message],
    ['ollama', (b) => (b.error as { message: string }).message],
    ['openai', (b) => (b.error as { message: string }).message],
  ])(
    'refuses an image of the wrong size with a 400 in the %s format, and records why',
    async (dialect, messageOf) => {
      const server = await serve(describer, dialect);
      const r = await post(server, [
        { type: 'text', text: 'viewport "phone"' },
        shot(dataURL(solidPng(1280, 800))),
      ]);
      expect(r.status).toBe(400);
      expect(messageOf(r.body)).toBe('image 1 is 1280x800, expected 390x844');
      expect(server.requests[0]!.status).toBe(400);
      expect(server.requests[0]!.imagesRefused).toBe('image 1 is 1280x800, expected 390x844');
    },
  );

  it('refuses too many images, and images that are not PNGs whatever the reply', async () => {
    const server = await serve(describer);
    const phone = dataURL(solidPng(390, 844));
    const two = await post(server, [{ type: 'text', text: 'viewport "phone"' }, shot(phone), shot(phone)]);
    expect(two.status).toBe(400);
    expect(two.body.error).toBe('expected 1 image(s), the request has 2');
    const jpeg = await post(server, [
      shot(dataURL(Buffer.from('\xff\xd8\xff\xe0 jpeg', 'latin1'), 'image/jpeg')),
    ]);
    expect(jpeg.status).toBe(400);
    expect(jpeg.body.error).toBe('image 1: image/jpeg is not image/png');
    const fake = await post(server, [shot(dataURL(Buffer.from('GIF89a and then some more bytes')))]);
    expect(fake.status).toBe(400);
    expect(fake.body.error).toBe('image 1: the data is not a PNG');
    const remote = await post(server, [shot('https://example.com/a.png')]);
    expect(remote.status).toBe(400);
    expect(remote.body.error).toMatch(/^image 1: not a base64 data URL/);
    expect(server.requests.map((r) => r.imagesRefused !== undefined)).toEqual([true, true, true, true]);
  });
});

describe('images in the prompt cache', () => {
  it('are opaque: the same image is a shared prefix, another image ends it at the marker', () => {
    const text = { type: 'text', text: 'describe the viewport "phone"' };
    const a = shot(dataURL(solidPng(390, 844)));
    const b = shot(dataURL(solidPng(390, 844, [0, 0, 0])));
    expect(promptText([text, a])).toHaveLength(text.text.length + IMAGE_TOKENS * 4);
    const prompt = (img: unknown) => renderPrompt({ messages: [{ role: 'user', content: [text, img] }] });
    const same = cachedTokens(prompt(a), prompt(a));
    const other = cachedTokens(prompt(a), prompt(b));
    expect(same).toBeGreaterThan(IMAGE_TOKENS);
    // Only the text before the image and the start of the marker are shared.
    expect(other).toBeLessThan(20);
  });
});
