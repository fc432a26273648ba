import { git } from './run.js';
import { parseTrailers } from './messages.js';
import type { Repo } from './repo.js';
import { taskRefPrefix } from './refs.js';
import { listRefs } from './ref-files.js';

export interface CommitInfo {
  sha: string;
  parents: string[];
  time: number;
  subject: string;
  trailers: Record<string, string>;
  added: number;
  removed: number;
  files: string[];
}

export interface StepInfo {
  address: string;
  commit: string;
  step: number;
  tool: string;
  subject: string;
  files: string[];
  added: number;
  removed: number;
}

export interface AttemptInfo {
  address: string;
  n: number;
  /** The attempt commit; null while the attempt has step commits but no attempt commit yet. */
  commit: string | null;
  steps: StepInfo[];
  checkExit: number | null;
  verdict: string | null;
  durationMs: number | null;
  outcome: string | null;
  /** False when a rollback took the branch back before this attempt (still reachable by its ref). */
  onBranch: boolean;
  added: number;
  removed: number;
  time: number | null;
}

export interface TaskHistory {
  attempts: AttemptInfo[];
  /** Commits on the branch made by hand, not by factory. */
  foreign: CommitInfo[];
}

const SEP = '\x1e';
const FIELD = '\x1f';

/** Reads commits with their numstat in one `git log` call. */
export async function readCommits(repo: Repo, revs: string[]): Promise<Map<string, CommitInfo>> {
  const out = await git(
    [
      'log',
      '--no-color',
      '--numstat',
      '-z',
      `--format=${SEP}%H${FIELD}%P${FIELD}%at${FIELD}%B${FIELD}`,
      ...revs,
      '--',
    ],
    { cwd: repo.root },
  );
  const map = new Map<string, CommitInfo>();
  for (const chunk of out.stdout.split(SEP)) {
    if (!chunk.trim()) continue;
    const [sha, parents, time, body, stats = ''] = chunk.split(FIELD);
    const c: CommitInfo = {
      sha: sha!,
      parents: parents ? parents.split(' ') : [],
      time: Number(time),
      subject: body!.split('\n')[0] ?? '',
      trailers: parseTrailers(body!),
      added: 0,
      removed: 0,
      files: [],
    };
    // numstat -z: "added\tremoved\tpath\0", or for renames "added\tremoved\t\0old\0new\0".
    const parts = stats.replace(/^\n/, '').split('\0');
    for (let i = 0; i < parts.length; i++) {
      const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(parts[i]!.replace(/^\n/, ''));
      if (!m) continue;
      c.added += m[1] === '-' ? 0 : Number(m[1]);
      c.removed += m[2] === '-' ? 0 : Number(m[2]);
      if (m[3] === '') {
        c.files.push(parts[i + 2] ?? '');
        i += 2;
      } else c.files.push(m[3]!);
    }
    map.set(c.sha, c);
  }
  return map;
}

/** Attempt numbers that have a ref, whether or not the branch still contains them. */
export async function attemptRefs(repo: Repo, task: number): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for (const [ref, oid] of await listRefs(repo, [`${taskRefPrefix(task)}attempts/`])) {
    const m = /\/attempts\/(\d+)$/.exec(ref);
    if (m) map.set(Number(m[1]), oid);
  }
  return map;
}

function toStep(task: number, c: CommitInfo): StepInfo {
  const attempt = Number(c.trailers['Factory-Attempt']);
  const step = Number(c.trailers['Factory-Step']);
  return {
    address: `${task}.${attempt}.${step}`,
    commit: c.sha,
    step,
    tool: c.trailers['Factory-Tool'] ?? '?',
    subject: c.subject,
    files: c.files,
    added: c.added,
    removed: c.removed,
  };
}

function emptyAttempt(task: number, n: number, onBranch: boolean): AttemptInfo {
  return {
    address: `${task}.${n}`,
    n,
    commit: null,
    steps: [],
    checkExit: null,
    verdict: null,
    durationMs: null,
    outcome: null,
    onBranch,
    added: 0,
    removed: 0,
    time: null,
  };
}

function closeAttempt(a: AttemptInfo, c: CommitInfo): void {
  const exit = c.trailers['Factory-Check-Exit'];
  a.commit = c.sha;
  a.checkExit = exit === undefined || exit === 'none' ? null : Number(exit);
  a.verdict = c.trailers['Factory-Verdict'] ?? null;
  a.outcome = c.trailers['Factory-Outcome'] ?? null;
  const d = /^(\d+)ms$/.exec(c.trailers['Factory-Duration'] ?? '');
  a.durationMs = d ? Number(d[1]) : null;
  a.time = c.time;
}

/**
 * Rebuilds a task's attempts from git alone: the first-parent chain from each head back to the
 * base, grouped by the attempt trailers. Heads are the branch tip plus every attempt ref, so
 * attempts removed from the branch by a rollback still appear (with onBranch false).
 */
export async function readHistory(
  repo: Repo,
  task: number,
  base: string,
  tip: string | null,
): Promise<TaskHistory> {
  return (await readHistories(repo, [{ task, base, tip }]))[0]!;
}

/**
 * readHistory for several tasks. The commits of tasks made from the same base are read by one
 * `git log` of all their heads: each history walks only from its own heads, so another task's
 * commits in the same read are never part of it.
 */
export async function readHistories(
  repo: Repo,
  tasks: { task: number; base: string; tip: string | null }[],
): Promise<TaskHistory[]> {
  const heads = await Promise.all(
    tasks.map(async (t) => [
      ...new Set([...(t.tip ? [t.tip] : []), ...(await attemptRefs(repo, t.task)).values()]),
    ]),
  );
  const byBase = new Map<string, Set<string>>();
  for (const [i, t] of tasks.entries())
    for (const h of heads[i]!) byBase.set(t.base, (byBase.get(t.base) ?? new Set()).add(h));
  const reads = new Map(
    [...byBase].map(([base, hs]) => [base, readCommits(repo, [...hs, `^${base}`])] as const),
  );
  return Promise.all(
    tasks.map(async (t, i) =>
      historyFrom(t.task, t.tip, heads[i]!, (await reads.get(t.base)) ?? new Map<string, CommitInfo>()),
    ),
  );
}

/** A task's history from its heads and the commits read from them (and maybe other tasks' too). */
function historyFrom(
  task: number,
  tip: string | null,
  heads: string[],
  commits: Map<string, CommitInfo>,
): TaskHistory {
  const onBranch = new Set<string>();
  for (let c = tip ? commits.get(tip) : undefined; c; c = commits.get(c.parents[0] ?? ''))
    onBranch.add(c.sha);

  const attempts = new Map<number, AttemptInfo>();
  const foreign: CommitInfo[] = [];
  const seen = new Set<string>();
  const chains = heads.map((h) => {
    const chain: CommitInfo[] = [];
    for (let c = commits.get(h); c && !seen.has(c.sha); c = commits.get(c.parents[0] ?? '')) {
      seen.add(c.sha);
      chain.unshift(c);
    }
    return chain;
  });
  for (const chain of chains) {
    for (const c of chain) {
      const n = Number(c.trailers['Factory-Attempt']);
      if (Number(c.trailers['Factory-Task']) !== task || !Number.isInteger(n)) {
        if (onBranch.has(c.sha)) foreign.push(c);
        continue;
      }
      const a = attempts.get(n) ?? emptyAttempt(task, n, false);
      attempts.set(n, a);
      a.onBranch ||= onBranch.has(c.sha);
      a.added += c.added;
      a.removed += c.removed;
      if (c.trailers['Factory-Step'] !== undefined) a.steps.push(toStep(task, c));
      else closeAttempt(a, c);
    }
  }
  for (const a of attempts.values()) a.steps.sort((x, y) => x.step - y.step);
  return { attempts: [...attempts.values()].sort((x, y) => x.n - y.n), foreign };
}
