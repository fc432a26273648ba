import { probeFront } from './lifecycle.js';

/**
 * Whether the queue front still holds a request of `task` waiting for the model server. The
 * front sends nothing, not even headers, while a request waits its turn behind other tasks'
 * answers, so the client's first-token clock asks before it gives up.
 */
export async function waitingAtFront(baseURL: string, task: string, token?: string): Promise<boolean> {
  const status = await probeFront(baseURL, 5000, token);
  const tasks = (status?.queue as { tasks?: { task?: unknown; waiting?: unknown }[] } | undefined)?.tasks;
  return (tasks ?? []).some((t) => t.task === task && typeof t.waiting === 'number' && t.waiting > 0);
}
