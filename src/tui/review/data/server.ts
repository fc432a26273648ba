import { useEffect, useState } from 'react';
import { readState, serverHome, type ServerState } from '../../../llm/state.js';

export interface ServerInfo {
  /** What `GET /factory/status` answered, or null when no front answers. */
  front: Record<string, unknown> | null;
  state: ServerState | null;
}

const POLL_MS = 2000;

/**
 * The inference server and its queue. This asks the queue front over HTTP every two seconds:
 * the queue lives in another process, and its status endpoint is the only way to see it.
 */
export function useServer(baseURL: string, stateDir?: string): ServerInfo | undefined {
  const [info, setInfo] = useState<ServerInfo>();
  useEffect(() => {
    let alive = true;
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
      // lifecycle.js (and execa with it) loads after the first frame, with the first poll.
      const { probeFront } = await import('../../../llm/lifecycle.js');
      const state = await readState(serverHome(baseURL, stateDir)).catch(() => null);
      // The front answers only clients that show the token of its state file.
      const front = await probeFront(baseURL, 500, state?.token).catch(() => null);
      if (!alive) return;
      setInfo({ front, state });
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [baseURL, stateDir]);
  return info;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The header's words for the server: state, model, queue. */
export function serverText(info: ServerInfo | undefined): string {
  if (!info) return 'server: …';
  const { front, state } = info;
  if (!front) {
    if (state?.phase === 'starting') return `server: starting (${state.model})`;
    if (state?.phase === 'failed') return `server: failed${state.error ? ` (${state.error})` : ''}`;
    return 'server: not running';
  }
  const queue = (front.queue ?? {}) as { total?: Record<string, unknown> };
  const total = queue.total ?? {};
  const model = typeof front.model === 'string' ? front.model : (state?.model ?? '?');
  const tps = num(total.tokensPerSecond);
  // The model goes last: its name can be long, and the queue is what changes.
  return `server: ready · queue: ${num(total.waiting)} waiting, ${num(total.running)} running · ${tps.toFixed(1)} tok/s · ${model}`;
}
