/**
 * The queue's default view of an error. It reads the error's shape instead of importing the
 * client's error class, so the queue also judges errors from any other work function (the
 * front's upstream errors, the `openai` SDK's errors with a `status`).
 */

type ErrorShape = { retryable?: unknown; status?: unknown; kind?: unknown };

function shape(e: unknown): ErrorShape {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : {};
}

/** 408 and 429 are the only 4xx a retry can fix; any 5xx may be a server restarting or loading. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * An explicit `retryable` flag wins (the client decides, e.g. 503 "Loading model"); otherwise an
 * HTTP status is judged by `isRetryableStatus`, and a connection error is retryable.
 */
export function defaultIsRetryable(e: unknown): boolean {
  const s = shape(e);
  if (typeof s.retryable === 'boolean') return s.retryable;
  if (typeof s.status === 'number') return isRetryableStatus(s.status);
  return s.kind === 'connection';
}

export function defaultIsConnectionError(e: unknown): boolean {
  return shape(e).kind === 'connection';
}
