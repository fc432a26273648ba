/**
 * The front's own answer when the model server behind it is down (it exited, or it closed the
 * connection mid-answer): one body shape, written by the front (as a JSON error or as a stream's
 * last event) and recognised by the client, which then reports the server as unreachable (exit 3)
 * instead of as a generic HTTP failure.
 */
export const MODEL_SERVER_DOWN = 'model_server_down';

export interface DownBody {
  error: { message: string; type: typeof MODEL_SERVER_DOWN; code: 503; hint?: string };
}

export function downBody(message: string, hint?: string): DownBody {
  return { error: { message, type: MODEL_SERVER_DOWN, code: 503, ...(hint ? { hint } : {}) } };
}

/** The message and hint of a front's "model server down" body, else null. */
export function readDownBody(body: unknown): { message: string; hint?: string } | null {
  const error = (body as { error?: unknown } | null | undefined)?.error as
    { type?: unknown; message?: unknown; hint?: unknown } | undefined;
  if (!error || typeof error !== 'object' || error.type !== MODEL_SERVER_DOWN) return null;
  if (typeof error.message !== 'string') return null;
  return { message: error.message, ...(typeof error.hint === 'string' ? { hint: error.hint } : {}) };
}
