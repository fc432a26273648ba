import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import {
  contentChars,
  contentText,
  IMAGE_CHARS,
  IMAGE_TOKENS,
  imageLabel,
  pngSize,
} from '../../src/llm/content.js';
import { estimateTokens, promptChars } from '../../src/llm/normalize.js';
import type { ChatMessage, ChatRequest, ImagePart } from '../../src/llm/types.js';
import { ContextWindow } from '../../src/agent/context/window.js';
import { fitConversation } from '../../src/agent/context/convo.js';
import { eventLine } from '../../src/tasks/record.js';
import { transcriptOf } from '../../src/tasks/transcript.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';
import { solidPng } from '../helpers/png.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const desktop = solidPng(1280, 800);
const phone = solidPng(390, 844, [20, 40, 200]);
const image = (png: Buffer, asBase64 = false): ImagePart => ({
  type: 'image',
  mime: 'image/png',
  data: asBase64 ? png.toString('base64') : png,
});

describe('image content parts on the wire', () => {
  it('sends a user message as OpenAI parts: text, then image_url parts with PNG data URLs', async () => {
    const server = await startScriptedServer({ script: { default: { content: 'ok' } }, dialect: 'mlx' });
    servers.push(server);
    const req: ChatRequest = {
      messages: [
        { role: 'system', content: 'describe' },
        { role: 'user', content: [{ type: 'text', text: 'two shots' }, image(desktop), image(phone, true)] },
      ],
      maxTokens: 32,
    };
    const r = await chat(scriptedEndpoint(server), req, { idleTimeoutMs: 5000 });
    expect(r.content).toBe('ok');
    const body = server.requests[0]!.body as { messages: { role: string; content: unknown }[] };
    expect(body.messages[0]).toEqual({ role: 'system', content: 'describe' });
    expect(body.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'two shots' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${desktop.toString('base64')}` } },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${phone.toString('base64')}` } },
      ],
    });
    // What the server read out of them: two PNGs of their sizes, without their bytes.
    expect(server.requests[0]!.images).toEqual([
      { width: 1280, height: 800, bytes: desktop.length },
      { width: 390, height: 844, bytes: phone.length },
    ]);
  });

  it('sends an image in another role than user as its label, since only user messages may carry one', async () => {
    const server = await startScriptedServer({ script: { default: { content: 'ok' } }, dialect: 'openai' });
    servers.push(server);
    const req: ChatRequest = {
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'sys' }, image(phone)] },
        { role: 'user', content: 'hi' },
      ],
      maxTokens: 32,
    };
    await chat(scriptedEndpoint(server), req, { idleTimeoutMs: 5000 });
    const body = server.requests[0]!.body as { messages: { content: unknown }[] };
    expect(body.messages[0]!.content).toBe(
      `sys\n[image 390x844 png, ${Math.round(phone.length / 1024) || 1} KiB]`,
    );
    expect(server.requests[0]!.images).toEqual([]);
  });
});

describe('token estimates with images', () => {
  it(`count each image as ${IMAGE_TOKENS} tokens, whatever its bytes`, () => {
    expect(IMAGE_CHARS).toBe(IMAGE_TOKENS * 4);
    const text: ChatMessage = { role: 'user', content: 'x'.repeat(400) };
    const withImages: ChatMessage = {
      role: 'user',
      content: [{ type: 'text', text: 'x'.repeat(400) }, image(desktop), image(phone, true)],
    };
    expect(contentChars(withImages.content)).toBe(400 + 2 * IMAGE_CHARS);
    const base = promptChars({ messages: [text], maxTokens: 1 });
    expect(promptChars({ messages: [withImages], maxTokens: 1 })).toBe(base + 2 * IMAGE_CHARS);
    expect(estimateTokens(promptChars({ messages: [withImages], maxTokens: 1 }))).toBe(
      100 + 2 * IMAGE_TOKENS,
    );
    // Not the base64's length: a bigger PNG costs the same.
    const big = solidPng(2000, 2000, [1, 2, 3]);
    expect(contentChars([image(big, true)])).toBe(IMAGE_CHARS);
  });

  it("counts them in the agent's context window and never cuts a message with parts", () => {
    const w = new ContextWindow(1000);
    const plain = w.estimate([{ role: 'user', content: 'abcd' }]);
    const shot = w.estimate([{ role: 'user', content: [{ type: 'text', text: 'abcd' }, image(phone)] }]);
    expect(shot - plain).toBe(Math.ceil(((4 + IMAGE_CHARS) / 4) * 1.3) - Math.ceil(1.3));
    const convo: ChatMessage[] = [
      { role: 'system', content: 's' },
      { role: 'tool', toolCallId: 'a', content: [{ type: 'text', text: 'y'.repeat(5000) }, image(desktop)] },
    ];
    const fitted = fitConversation(convo, 100);
    expect(fitted[1]).toBe(convo[1]);
  });
});

describe('images in logs', () => {
  it('are stored as a label, never as base64 or bytes, and the transcript shows the label', () => {
    const ev = {
      t: '2026-12-01T00:00:00.000Z',
      type: 'prompt',
      attempt: 1,
      role: 'describer',
      messages: [
        { role: 'system', content: 'describe' },
        { role: 'user', content: [{ type: 'text', text: 'desktop' }, image(desktop), image(phone, true)] },
      ],
    };
    const line = eventLine(ev);
    expect(line).not.toContain(desktop.toString('base64').slice(0, 40));
    expect(line).not.toContain(phone.toString('base64').slice(0, 40));
    expect(line).not.toContain('"Buffer"');
    const kib = (b: Buffer) => Math.max(1, Math.round(b.length / 1024));
    expect(line).toContain(`[image 1280x800 png, ${kib(desktop)} KiB]`);
    expect(line).toContain(`[image 390x844 png, ${kib(phone)} KiB]`);
    expect(line.length).toBeLessThan(600);
    const shown = transcriptOf(JSON.parse(line) as typeof ev)!;
    expect(shown).toContain(`  desktop\n  [image 1280x800 png, ${kib(desktop)} KiB]`);
    // The event given to the log is left as it was: the request still has its image.
    expect(ev.messages[1]!.content[1]).toEqual(image(desktop));
  });

  it('labels an image that is not a PNG as of unknown size', () => {
    const junk: ImagePart = {
      type: 'image',
      mime: 'image/png',
      data: Buffer.from('not a png at all, really not'),
    };
    expect(pngSize(junk.data as Buffer)).toBeUndefined();
    expect(imageLabel(junk)).toBe('[image of unknown size png, 1 KiB]');
    expect(
      contentText(['a', junk].map((p) => (typeof p === 'string' ? { type: 'text' as const, text: p } : p))),
    ).toBe('a\n[image of unknown size png, 1 KiB]');
  });
});
