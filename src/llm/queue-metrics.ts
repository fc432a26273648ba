/** Counters of one task, or of all tasks together; the queue bumps both on every event. */
export class QueueStats {
  submitted = 0;
  completed = 0;
  failed = 0;
  cancelled = 0;
  retries = 0;
  waitMs = 0;
  /** Service starts, each ending one wait (a retried request waits, and is served, again). */
  starts = 0;
  serviceMs = 0;
  /** Finished attempts, whatever their outcome: each one held a slot for its service time. */
  attempts = 0;
  promptTokens = 0;
  completionTokens = 0;
  /** Service time of the answers that reported usage: the denominator of tokens per second. */
  tokenMs = 0;
}

export interface TaskMetrics {
  waiting: number;
  running: number;
  /** Failed attempts sleeping before their retry; they hold no slot. */
  backingOff: number;
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  retries: number;
  /** Time spent waiting for a slot: submit → start of service, plus each retry's wait again. */
  waitMsTotal: number;
  waitMsAvg: number;
  /** Time holding a slot, over every attempt. */
  serviceMsTotal: number;
  serviceMsAvg: number;
  promptTokens: number;
  completionTokens: number;
  /** Completion tokens per second of service, over the answers that reported usage. */
  tokensPerSecond: number;
}

export interface EndpointMetrics {
  baseURL: string;
  model: string;
  concurrency: number;
  running: number;
  up: boolean;
  /** How long it stays marked down; 0 when up. */
  downForMs: number;
  /** Attempts it answered successfully. */
  served: number;
  /** Attempts that failed on it, for any reason. */
  failed: number;
  connectionErrors: number;
}

export interface QueueMetrics {
  /** Anything waiting, running or backing off. */
  busy: boolean;
  /** Epoch ms of the last submit or settlement; with `busy`, what idle shutdown needs. */
  lastActivityAt: number;
  total: TaskMetrics;
  tasks: Array<{ task: string } & TaskMetrics>;
  endpoints: EndpointMetrics[];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function taskMetrics(
  s: QueueStats,
  waiting: number,
  running: number,
  backingOff: number,
): TaskMetrics {
  return {
    waiting,
    running,
    backingOff,
    submitted: s.submitted,
    completed: s.completed,
    failed: s.failed,
    cancelled: s.cancelled,
    retries: s.retries,
    waitMsTotal: round(s.waitMs),
    waitMsAvg: round(s.starts > 0 ? s.waitMs / s.starts : 0),
    serviceMsTotal: round(s.serviceMs),
    serviceMsAvg: round(s.attempts > 0 ? s.serviceMs / s.attempts : 0),
    promptTokens: s.promptTokens,
    completionTokens: s.completionTokens,
    tokensPerSecond: round(s.tokenMs > 0 ? (s.completionTokens * 1000) / s.tokenMs : 0),
  };
}
