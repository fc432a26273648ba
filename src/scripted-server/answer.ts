import type { ServerResponse } from 'node:http';
import { dialects, errorBody, type Dialect } from './dialects.js';
import { now, sleep, untilAborted } from './latency.js';
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

/** Writes a streamed answer chunk by chunk, paced by the latency model, with any fault. */
export async function streamAnswer(a: Answer): Promise<void> {
  const { res, plan, life } = a;
  const traits = dialects[a.dialect];
  const created = Math.floor(Date.now() / 1000);
  const base = { id: `chatcmpl-${++ids.next}`, object: 'chat.completion.chunk', created, model: a.model };
  const write = (text: string) => {
    if (!res.destroyed && !res.writableEnded) res.write(text);
  };
  const send = (obj: unknown) => write(`data: ${JSON.stringify(obj)}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...traits.headers });
  res.flushHeaders();

  await prefill(a, write);
  if (life.aborted) return;

  let fault = a.fault;
  let sent = 0;
  const decodeStart = now();
  let tokens = 0;
  const strike = async (): Promise<boolean> => {
    if (!fault || sent < (fault.afterChunks ?? 2)) return false;
    if (fault.kind === 'cut') {
      cut(res, fault);
      return true;
    }
    if (fault.kind === 'stall') {
      await untilAborted(life);
      return true;
    }
    if (fault.kind === 'error-event') {
      send(errorBody(a.dialect, fault.status ?? 500, fault.message ?? 'scripted error mid-stream'));
      const socket = res.socket;
      res.end(() => socket?.destroy());
      return true;
    }
    write('data: {"id": "broken", "choices": [{"delta": {"content": "oo\n\n');
    fault = undefined;
    return false;
  };
  for (const [i, piece] of plan.pieces.entries()) {
    if (await strike()) return;
    tokens += piece.tokens;
    if (a.decodeTps) await sleep(decodeStart + (tokens / a.decodeTps) * 1000 - now(), life);
    if (life.aborted) return;
    const role = traits.roleInEveryDelta || i === 0 ? { role: 'assistant' } : {};
    send({ ...base, choices: [{ index: 0, delta: { ...role, ...piece.delta }, finish_reason: null }] });
    sent++;
  }
  if (await strike()) return;
  const last = traits.roleInEveryDelta ? { role: 'assistant', content: '' } : {};
  send({ ...base, choices: [{ index: 0, delta: last, finish_reason: plan.finish }] });
  if (a.includeUsage && plan.usage) send({ ...base, choices: [], usage: plan.usage });
  write('data: [DONE]\n\n');
  res.end();
}

/** Writes a whole answer at once, after the time the model would take to write it. */
export async function wholeAnswer(a: Answer): Promise<void> {
  const { res, plan, life } = a;
  const traits = dialects[a.dialect];
  await sleep(a.prefillMs, life);
  const decodeTokens = plan.pieces.reduce((n, p) => n + p.tokens, 0);
  if (a.decodeTps) await sleep((decodeTokens / a.decodeTps) * 1000, life);
  if (life.aborted) return;
  const body = JSON.stringify({
    id: `chatcmpl-${++ids.next}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: a.model,
    choices: [{ index: 0, message: plan.message, finish_reason: plan.finish, logprobs: null }],
    ...(plan.usage ? { usage: plan.usage } : {}),
  });
  const fault = a.fault;
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
