import type { EndpointConfig } from '../../src/llm/types.js';

export function endpoint(name: string, concurrency = 1): EndpointConfig {
  return { baseURL: `http://${name}.test/v1`, apiKey: 'local', model: 'test-model', concurrency };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An error shaped like the client's LlmError, which the queue judges by shape only. */
export function llmError(
  kind: 'connection' | 'http' | 'loading' | 'timeout',
  retryable: boolean,
  status?: number,
): Error & { kind: string; retryable: boolean; status?: number } {
  return Object.assign(new Error(`${kind}${status ? ` ${status}` : ''}`), { kind, retryable, status });
}

/** A deterministic generator, so "random" durations are the same on every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Lets pending promise callbacks run. */
export const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Replays a log of submissions and service starts and returns the first violation of
 * round-robin fairness: while a task has requests waiting, another task is served twice before
 * it is served once.
 */
export function fairnessViolation(log: Array<{ ev: 'submit' | 'start'; task: string }>): string | null {
  const waiting = new Map<string, number>();
  // For each waiting task: how often each other task was served since it was last served.
  const servedSince = new Map<string, Map<string, number>>();
  for (const [i, { ev, task }] of log.entries()) {
    if (ev === 'submit') {
      const n = waiting.get(task) ?? 0;
      if (n === 0) servedSince.set(task, new Map());
      waiting.set(task, n + 1);
      continue;
    }
    waiting.set(task, (waiting.get(task) ?? 0) - 1);
    servedSince.set(task, new Map());
    for (const [other, n] of waiting) {
      if (other === task || n === 0) continue;
      const counts = servedSince.get(other)!;
      const c = (counts.get(task) ?? 0) + 1;
      counts.set(task, c);
      if (c > 1) return `event ${i}: ${task} served twice while ${other} waited`;
    }
  }
  return null;
}

/**
 * Counts the timers created through the global setTimeout that are still pending, so a test can
 * tell that the queue left none behind without counting the test runner's own.
 */
export function trackTimers(): { live: () => number; restore: () => void } {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  const patchedSet = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(
      (...a: unknown[]) => {
        pending.delete(handle);
        fn(...a);
      },
      ms,
      ...args,
    );
    pending.add(handle);
    return handle;
  };
  globalThis.setTimeout = patchedSet as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  return {
    live: () => pending.size,
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}
