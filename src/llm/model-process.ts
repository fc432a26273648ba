import { killGroup } from './process-group.js';
import { missingBinary } from './server-command.js';
import { spawnGroup } from './spawn-group.js';

/**
 * The model server the supervisor owns, as a process that can be started again after it died.
 * Each start is a new process group writing to the same log.
 */
export class ModelProcess {
  /** The running process group's leader, or null between a death and the next start. */
  pid: number | null = null;
  /** Why the last process is gone (its exit, or why it could not start); null while it runs. */
  exitNote: string | null = null;
  private exitListener: ((note: string) => void) | null = null;
  private generation = 0;
  private lastPid: number | null = null;

  constructor(
    private readonly command: string[],
    private readonly log: string,
  ) {}

  /** Called once per process that exits (not for one `stop` ended). */
  onExit(listener: (note: string) => void): void {
    this.exitListener = listener;
  }

  start(): number | null {
    const generation = ++this.generation;
    this.exitNote = null;
    const child = spawnGroup(this.command, { log: this.log });
    this.pid = child.pid ?? null;
    this.lastPid = this.pid;
    let note: string | null = null;
    let reported = false;
    const report = (fallback: string) => {
      if (generation !== this.generation || reported) return;
      reported = true;
      this.exitNote = note ?? fallback;
      this.pid = null;
      this.exitListener?.(this.exitNote);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        const err = missingBinary(this.command[0]!);
        note = `${err.message} — ${err.hint}`;
      } else note = `cannot start the model server: ${e.message}`;
      // A command that cannot be spawned never emits `exit`; whoever waits must see why now.
      if (generation === this.generation) this.exitNote = note;
    });
    child.on('exit', (code, signal) => report(`exited (${signal ?? `code ${code}`})`));
    child.on('close', () => report('exited'));
    return this.pid;
  }

  /**
   * Ends what is left of the last process group (a server's own children may outlive it and hold
   * its port) before a restart.
   */
  async reap(graceMs: number): Promise<void> {
    if (this.lastPid && this.lastPid !== this.pid) await killGroup(this.lastPid, graceMs);
  }

  /** Ends the current process group, if any, without reporting it as an exit. */
  async stop(graceMs: number): Promise<void> {
    const pid = this.pid;
    this.generation++;
    this.pid = null;
    if (pid) await killGroup(pid, graceMs);
  }
}

/**
 * When to restart a model server that died: after a backoff that doubles with each recent restart,
 * and not at all once `limit` restarts happened within `windowMs` (a server that keeps dying has
 * a cause a restart will not fix).
 */
export class RestartPolicy {
  private readonly times: number[] = [];

  constructor(
    readonly limit = 3,
    readonly windowMs = 10 * 60_000,
    private readonly baseMs = 500,
    private readonly maxMs = 10_000,
  ) {}

  /** The delay before the next restart, counting it as done; null when the limit is reached. */
  next(now: number): { delayMs: number; attempt: number } | null {
    while (this.times.length > 0 && now - this.times[0]! > this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return null;
    const delayMs = Math.min(this.maxMs, this.baseMs * 2 ** this.times.length);
    this.times.push(now);
    return { delayMs, attempt: this.times.length };
  }
}
