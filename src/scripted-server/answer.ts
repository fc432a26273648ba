import http, { type ServerResponse } from 'node:http';
import { dialects, errorBody, type Dialect } from './dialects.js';
import { sendError } from './http-error.js';
import { now, sleep, untilAborted } from './latency.js';
import { llamaTimings } from './llama-wire.js';
import type { Plan } from './render.js';
import type { Fault } from './script.js';

/** Everything needed to write one answer. */
export interface Answer {
  res: ServerResponse;
  dialect: Dialect;
  plan: Plan;
  model: string;
  /** A fault that strikes mid-answer: cut, stall or malformed. */
  fault?: Fault;
  /** Reading the prompt takes this long before the first token. */
  prefillMs: number;
  /** Tokens per second while writing, or undefined for as fast as possible. */
  decodeTps?: number;
  includeUsage: boolean;
  /** Aborts when the client goes away or the server closes. */
  life: AbortSignal;
}

export const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n<body><h1>It works!</h1></body></html>\n';

const ids = { next: 0 };

/**
 * What a cut stream does: drop the connection, like a crash, or end the body early. The drop
 * waits until what was written has left, or the client would see less than was sent.
 */
function cut(res: ServerResponse, fault: Fault): void {
  const socket = res.socket;
  if (fault.clean) res.end();
  else if (socket) socket.write('', () => socket.destroy());
  else res.destroy();
}

/** A fault's error: its status and the text the server words it with. */
function faultError(fault: Fault): { status: number; message: string } {
  const status = fault.status ?? 500;
  return { status, message: fault.message ?? http.STATUS_CODES[status] ?? 'error' };
}

/** llama-server's `timings`, from the times this answer really took. */
function timingsOf(a: Answer, started: number, prefilled: number): Record<string, number | null> {
  return llamaTimings({
    promptTokens: a.plan.promptTokens,
    cachedTokens: a.plan.cachedTokens,
    predicted: a.plan.completionTokens,
    promptMs: prefilled - started,
    predictedMs: now() - prefilled,
  });
}

/** Writes a streamed answer chunk by chunk, paced by the latency model, with any fault. */
export async function streamAnswer(a: Answer): Promise<void> {
  const { res, plan, life } = a;
  const traits = dialects[a.dialect];
  const llama = traits.llama;
  const created = Math.floor(Date.now() / 1000);
  const base = { id: `chatcmpl-${++ids.next}`, object: 'chat.completion.chunk', created, model: a.model };
  const write = (text: string) => {
    if (!res.destroyed && !res.writableEnded) res.write(text);
  };
  const send = (obj: unknown) => write(`data: ${JSON.stringify(obj)}\n\n`);
  const open = () => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...traits.headers,
    });
    res.flushHeaders();
  };
  const started = now();
  // llama-server says nothing, not even a status line, until the first token exists.
  if (!llama?.headersWithFirstToken) open();

  await prefill(a, write);
  if (life.aborted) return;
  const prefilled = now();

  let fault = a.fault;
  let sent = 0;
  const decodeStart = now();
  let tokens = 0;
  const strike = async (): Promise<boolean> => {
    if (!fault || sent < (fault.afterChunks ?? 2)) return false;
    if (fault.kind === 'cut') {
      if (fault.clean) open();
      cut(res, fault);
      return true;
    }
    if (fault.kind === 'stall') {
      await untilAborted(life);
      return true;
    }
    if (fault.kind === 'error-event') {
      const { status, message } = faultError(fault);
      // Before anything was sent, llama-server still answers with a plain HTTP error.
      if (!res.headersSent) sendError(res, a.dialect, status, message);
      else {
        send(errorBody(a.dialect, status, message));
        // llama-server also drops the connection after an error stream, although its headers
        // said keep-alive: a client that reuses the socket finds it dead.
        const socket = res.socket;
        res.end(() => {
          if (llama?.closeOnError) socket?.end();
        });
      }
      return true;
    }
    open();
    write('data: {"id": "broken", "choices": [{"delta": {"content": "oo\n\n');
    fault = undefined;
    return false;
  };
  for (const [i, piece] of plan.pieces.entries()) {
    if (await strike()) return;
    tokens += piece.tokens;
    if (a.decodeTps) await sleep(decodeStart + (tokens / a.decodeTps) * 1000 - now(), life);
    if (life.aborted) return;
    open();
    const roleAlone = i === 0 && llama?.roleOnlyFirstChunk;
    if (roleAlone) {
      send({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }],
      });
    }
    const role = traits.roleInEveryDelta || (i === 0 && !roleAlone) ? { role: 'assistant' } : {};
    send({ ...base, choices: [{ index: 0, delta: { ...role, ...piece.delta }, finish_reason: null }] });
    sent++;
  }
  if (await strike()) return;
  open();
  const last = traits.roleInEveryDelta ? { role: 'assistant', content: '' } : {};
  const ending: Record<string, unknown>[] = [
    { ...base, choices: [{ index: 0, delta: last, finish_reason: plan.finish }] },
  ];
  if (a.includeUsage && plan.usage) ending.push({ ...base, choices: [], usage: plan.usage });
  // llama-server puts its timings on the very last chunk.
  if (llama?.timings) ending.at(-1)!.timings = timingsOf(a, started, prefilled);
  for (const chunk of ending) send(chunk);
  write('data: [DONE]\n\n');
  res.end();
}

/** Writes a whole answer at once, after the time the model would take to write it. */
export async function wholeAnswer(a: Answer): Promise<void> {
  const { res, plan, life } = a;
  const traits = dialects[a.dialect];
  const started = now();
  await sleep(a.prefillMs, life);
  const prefilled = now();
  const decodeTokens = plan.pieces.reduce((n, p) => n + p.tokens, 0);
  if (a.decodeTps) await sleep((decodeTokens / a.decodeTps) * 1000, life);
  if (life.aborted) return;
  const fault = a.fault;
  if (fault?.kind === 'error-event') {
    const { status, message } = faultError(fault);
    return sendError(res, a.dialect, status, message);
  }
  const body = JSON.stringify({
    id: `chatcmpl-${++ids.next}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: a.model,
    choices: [{ index: 0, message: plan.message, finish_reason: plan.finish, logprobs: null }],
    ...(plan.usage ? { usage: plan.usage } : {}),
    ...(traits.llama?.timings ? { timings: timingsOf(a, started, prefilled) } : {}),
  });
  res.writeHead(200, { 'content-type': 'application/json', ...traits.headers });
  if (!fault) return void res.end(body);
  if (fault.kind === 'malformed') return void res.end(body.slice(0, body.length / 2));
  res.write(body.slice(0, body.length / 2));
  if (fault.kind === 'stall') return untilAborted(life);
  cut(res, fault);
}

/** mlx_lm.server says it is alive while it reads a long prompt; the others stay silent. */
async function prefill(a: Answer, write: (text: string) => void): Promise<void> {
  const end = now() + a.prefillMs;
  if (!dialects[a.dialect].keepalive) return sleep(a.prefillMs, a.life);
  const total = a.plan.promptTokens;
  write(`: keepalive 0/${total}\n\n`);
  while (!a.life.aborted && now() < end) {
    await sleep(Math.min(250, end - now()), a.life);
    const done = Math.round(total * (1 - Math.max(0, end - now()) / Math.max(a.prefillMs, 1)));
    write(`: keepalive ${done}/${total}\n\n`);
  }
}
