import { FactoryError } from '../errors.js';

/** Why a request left the queue without an answer of its own. */
export type CancelWhy = 'task-cancelled' | 'aborted' | 'closed';

const MESSAGES: Record<CancelWhy, string> = {
  'task-cancelled': 'the task was cancelled',
  aborted: 'its caller aborted it',
  closed: 'the request queue was closed',
};

/**
 * The rejection of a request that was cancelled, aborted or dropped at shutdown. A distinct
 * class so callers can tell "we stopped it" from a server failure and not report it as one.
 */
export class QueueCancelledError extends FactoryError {
  constructor(
    readonly task: string,
    readonly why: CancelWhy,
    cause?: unknown,
  ) {
    super(`request of task "${task}" cancelled: ${MESSAGES[why]}`, { cause });
    this.name = 'QueueCancelledError';
  }
}
