/**
 * Replies read from a file as they are sent, so a test can serve a hostile answer (hundreds of
 * megabytes, escape sequences, one endless line) without ever holding it in memory:
 *
 * - `contentFile`: the file is the reply's text, streamed as content deltas of `chunkChars`
 *   characters (64 KiB by default), or written inside one JSON completion when the request does
 *   not stream; `repeat` sends it that many times over.
 * - `bodyFile`: the file is the raw HTTP body (an SSE stream, or anything), sent byte for byte,
 *   `repeat` times.
 *
 * Writes wait for the socket to drain, so the server's memory stays flat whatever the size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { dialects } from './dialects.js';
import type { Answer } from './answer.js';
import type { Reply } from './script.js';

const ids = { next: 0 };

/** Bytes written per response, for tests that check a client stopped reading early. */
export const bytesSent = new WeakMap<ServerResponse, number>();

/** Writes `text`, waiting while the socket's buffer is full; false once the client is gone. */
async function put(res: ServerResponse, text: string | Buffer, life: AbortSignal): Promise<boolean> {
  if (life.aborted || res.destroyed || res.writableEnded) return false;
  bytesSent.set(res, (bytesSent.get(res) ?? 0) + Buffer.byteLength(text));
  if (res.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !life.aborted && !res.destroyed;
}

/** The file's text in pieces of about `chars` characters, `repeat` times over. */
async function* pieces(file: string, chars: number, repeat: number): AsyncGenerator<string> {
  for (let i = 0; i < repeat; i++) {
    const decoder = new StringDecoder('utf8');
    for await (const chunk of createReadStream(file, { highWaterMark: Math.max(1, chars) })) {
      const text = decoder.write(chunk as Buffer);
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  }
}

/** Size in characters (counted as bytes) of what a file reply sends. */
export async function fileReplyChars(reply: Reply): Promise<number> {
  const file = reply.contentFile ?? reply.bodyFile;
  return file ? (await stat(file)).size * (reply.repeat ?? 1) : 0;
}

export async function fileAnswer(a: Answer, reply: Reply, stream: boolean): Promise<void> {
  const { res, life } = a;
  const traits = dialects[a.dialect];
  const repeat = reply.repeat ?? 1;
  if (reply.bodyFile) {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...traits.headers });
    for (let i = 0; i < repeat; i++) {
      for await (const chunk of createReadStream(reply.bodyFile)) {
        if (!(await put(res, chunk as Buffer, life))) return;
      }
    }
    res.end();
    return;
  }
  const file = reply.contentFile!;
  const chars = reply.chunkChars ?? 64 * 1024;
  const created = Math.floor(Date.now() / 1000);
  const id = `chatcmpl-file-${++ids.next}`;
  const usage = a.plan.usage;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', ...traits.headers });
    const head = { id, object: 'chat.completion', created, model: a.model };
    // The message's content is written piece by piece inside the JSON text.
    if (
      !(await put(
        res,
        `${JSON.stringify(head).slice(0, -1)},"choices":[{"index":0,"message":{"role":"assistant","content":"`,
        life,
      ))
    )
      return;
    for await (const text of pieces(file, chars, repeat)) {
      if (!(await put(res, JSON.stringify(text).slice(1, -1), life))) return;
    }
    res.end(`"},"finish_reason":"stop"}]${usage ? `,"usage":${JSON.stringify(usage)}` : ''}}`);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...traits.headers });
  const base = { id, object: 'chat.completion.chunk', created, model: a.model };
  let first = true;
  for await (const text of pieces(file, chars, repeat)) {
    if (first && traits.llama?.roleOnlyFirstChunk) {
      const opening = {
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }],
      };
      if (!(await put(res, `data: ${JSON.stringify(opening)}\n\n`, life))) return;
    }
    const role = traits.roleInEveryDelta || (first && !traits.llama) ? { role: 'assistant' } : {};
    first = false;
    const chunk = {
      ...base,
      choices: [{ index: 0, delta: { ...role, content: text }, finish_reason: null }],
    };
    if (!(await put(res, `data: ${JSON.stringify(chunk)}\n\n`, life))) return;
  }
  const end = { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
  if (!(await put(res, `data: ${JSON.stringify(end)}\n\n`, life))) return;
  if (
    a.includeUsage &&
    usage &&
    !(await put(res, `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`, life))
  )
    return;
  res.end('data: [DONE]\n\n');
}
