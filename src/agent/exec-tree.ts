import { holdersOf, readProc, readProcTable, type ProcInfo } from './exec-procs.js';
import { groupAlive } from '../llm/process-group.js';

/**
 * Everything a check started, as far as an unprivileged process can find it.
 *
 * The shell leads its own session and process group, so one signal to the group reaches every
 * ordinary descendant. On Linux we also look for the ones that left the group:
 * - processes still in the session (a `set -m` shell puts jobs in new groups, not new sessions);
 * - descendants by parent link, read before any signal so the links are still intact;
 * - processes seen earlier as descendants (`observe`, called periodically), remembered by pid and
 *   start time: this finds a `setsid` daemon after its parent exited and it was re-parented to init;
 * - processes holding the child's end of our output pipes, wherever they are.
 *
 * The limit: a process that double-forks into a new session, closes or redirects our pipes, and
 * does so between two `observe` calls, leaves no trace we can follow. Only a cgroup or a PID
 * namespace could contain it, and neither is available to us without privileges. Without /proc
 * (macOS) only the process group is killed.
 */
export class ProcessTree {
  /** pid -> start time of every process seen as ours. */
  private readonly known = new Map<number, string>();
  private readonly leaderStart: string | undefined;

  constructor(
    private readonly leader: number,
    /** `fdTarget`s of the child's stdout and stderr. */
    private readonly pipes: ReadonlySet<string>,
    /** Scanning every descriptor on the machine is the costly part: skip it once the pipes closed. */
    private readonly pipesOpen: () => boolean,
  ) {
    this.leaderStart = readProc(leader)?.start;
  }

  /** Remembers the current descendants, so they can still be found after their parent died. */
  observe(): void {
    const table = readProcTable();
    if (!table) return;
    for (const [pid, start] of this.known) if (table.get(pid)?.start !== start) this.known.delete(pid);
    for (const p of this.members(table, false)) this.known.set(p.pid, p.start);
  }

  /**
   * SIGTERM to everything, SIGKILL to whatever is left after `graceMs`, and resolves once nothing
   * is left alive, or after `KILL_WAIT_MS` of SIGKILLs (see `alive`). Returns how many processes
   * it signalled.
   */
  async kill(graceMs: number): Promise<number> {
    const hit = new Set<number>();
    if (!this.signal('SIGTERM', hit)) return 0;
    const termDeadline = Date.now() + graceMs;
    while (Date.now() < termDeadline) {
      await sleep(POLL_MS);
      if (!this.alive()) return hit.size;
    }
    // Signal again on every round: a process may have forked between our read and the SIGKILL.
    // A SIGKILL lands only when its target next runs: on a loaded machine, or in the middle of a
    // slow write, that can take a while, so it waits on a clock, not a count of rounds.
    const killDeadline = Date.now() + KILL_WAIT_MS;
    while (this.signal('SIGKILL', hit) && Date.now() < killDeadline) await sleep(POLL_MS);
    return hit.size;
  }

  /** Whether any process of the check is still alive (zombies count as gone). */
  alive(): boolean {
    const table = readProcTable();
    return table ? this.members(table, this.pipesOpen()).length > 0 : groupAlive(this.leader);
  }

  /** Signals every live member; false when there was none. */
  private signal(sig: NodeJS.Signals, hit: Set<number>): boolean {
    const table = readProcTable();
    if (!table) {
      if (!groupAlive(this.leader)) return false;
      sendGroup(this.leader, sig);
      hit.add(this.leader);
      return true;
    }
    const live = this.members(table, this.pipesOpen());
    // Only while the group has members: once empty, its id may belong to someone else.
    if (live.some((p) => p.pgid === this.leader)) sendGroup(this.leader, sig);
    for (const p of live) {
      send(p.pid, sig);
      hit.add(p.pid);
    }
    return live.length > 0;
  }

  /** Live (not zombie) processes that belong to the check, the leader included while it lives. */
  private members(table: Map<number, ProcInfo>, withPipeHolders: boolean): ProcInfo[] {
    // The kernel keeps a group or session id reserved while any member lives, so members are ours,
    // unless the leader's pid was reused by a new leader: its start time tells them apart.
    const head = table.get(this.leader);
    const ours = head === undefined || this.leaderStart === undefined || head.start === this.leaderStart;
    const roots: number[] = [];
    for (const p of table.values()) {
      if (ours && (p.pgid === this.leader || p.sid === this.leader)) roots.push(p.pid);
      else if (this.known.get(p.pid) === p.start) roots.push(p.pid);
    }
    if (withPipeHolders) roots.push(...holdersOf(this.pipes));

    const children = new Map<number, number[]>();
    for (const p of table.values()) {
      const list = children.get(p.ppid);
      if (list) list.push(p.pid);
      else children.set(p.ppid, [p.pid]);
    }
    const seen = new Set<number>();
    const queue = roots;
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (seen.has(pid) || pid === process.pid) continue;
      seen.add(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    const out: ProcInfo[] = [];
    for (const pid of seen) {
      const p = table.get(pid);
      if (p && p.state !== 'Z') out.push(p);
    }
    return out;
  }
}

const POLL_MS = 25;
/** How long SIGKILLs go on before `kill` gives up on a process that will not die (D state). */
const KILL_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function sendGroup(pgid: number, sig: NodeJS.Signals): void {
  send(-pgid, sig);
}
