/**
 * A merge queue killed with kill -9 (the real CLI, its whole process group) leaves the base branch
 * either untouched or, once the next factory command has finished the move, at the fully checked
 * tip; never half-way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, makeRepo, projectRoot, runCli, sh, tsxLoader } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { runKilled } from '../helpers/killed-cli.js';
import { aliveSince, liveGroupMember, procStart } from '../helpers/live-group.js';
import { expectFsckClean } from '../helpers/repo-checks.js';

afterAll(cleanupTemps);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CHECK_SH = [
  // The gate: with the pager's call merged, the check says it started and then waits (bounded).
  'if [ -f calls/pager.txt ] && [ -f gate ]; then',
  '  echo $$ > started',
  '  i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done',
  'fi',
  'for f in calls/*.txt; do',
  '  while read -r n; do',
  '    grep -qx "def $n" defs.txt || { echo "$f calls $n, which is not defined"; exit 1; }',
  '  done < "$f"',
  'done',
  '',
].join('\n');

async function twoTasks(gate: boolean) {
  const dir = await makeRepo({
    'defs.txt': 'def load\n',
    'calls/main.txt': 'load\n',
    'check.sh': CHECK_SH,
    ...(gate ? { gate: '' } : {}),
    '.factoryrc.json': JSON.stringify({ check: 'sh check.sh', sandbox: { mode: 'none' } }),
  });
  const a = await taskWithAttempts(dir, 'rename', [
    { files: { 'defs.txt': 'def read\n', 'calls/main.txt': 'read\n' }, exit: 0 },
  ]);
  const b = await taskWithAttempts(dir, 'call', [{ files: { 'calls/pager.txt': 'load\n' }, exit: 0 }]);
  return { dir, a: a.id, b: b.id, head: sh(dir, 'rev-parse', 'HEAD') };
}

const worktrees = (dir: string) => readdirSync(path.join(dir, '.git/factory/worktrees'));
const journals = (dir: string) =>
  existsSync(path.join(dir, '.git/factory/journal'))
    ? readdirSync(path.join(dir, '.git/factory/journal'))
    : [];
const statusOf = async (dir: string) =>
  Object.fromEntries(
    (JSON.parse((await runCli(dir, ['list', '--json'])).stdout) as { id: number; status: string }[]).map(
      (t) => [t.id, t.status],
    ),
  );

describe('trust: a merge queue killed with kill -9', () => {
  it('while a check runs: the base branch is untouched, and the next command cleans up', async () => {
    const { dir, a, b, head } = await twoTasks(true);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts'), 'merge', String(a), String(b)],
      {
        cwd: dir,
        detached: true,
        stdio: 'ignore',
        env: { ...env, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(dir, '.no-user-config') },
      },
    );
    // The second task's check, on the tree with the first one merged, says it has started.
    const started = path.join(dir, '.git/factory/worktrees', `queue-${a}`, 'started');
    while (!existsSync(started) || !readFileSync(started, 'utf8').trim()) {
      expect(child.exitCode, 'the queue ended before its check started').toBeNull();
      await sleep(20);
    }
    const check = Number(readFileSync(started, 'utf8').trim());
    // Its start time tells it apart from a later process given the same pid.
    const checkStart = procStart(check);
    process.kill(-child.pid!, 'SIGKILL');
    while (liveGroupMember(child.pid!)) await sleep(5);

    // Nothing landed: the first task's check had passed, but the branch only moves at the end.
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(journals(dir)).toEqual([`${a}.json`]);

    const next = await runCli(dir, ['list']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain('the merge queue into main was interrupted before it landed anything');
    // The check it left running is stopped, the scratch worktree is back in the pool.
    while (aliveSince(check, checkStart)) await sleep(20);
    expect(worktrees(dir).filter((n) => n.startsWith('queue-'))).toEqual([]);
    expect(journals(dir)).toEqual([]);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    const status = await statusOf(dir);
    expect(status[a]).not.toBe('merged');
    expect(status[b]).not.toBe('merged');
    expectFsckClean(dir, 'after recovery');

    // The queue runs again from the same base (the gate removed): the first lands, the second is left out.
    sh(dir, 'rm', '-q', 'gate');
    sh(dir, 'commit', '-qm', 'no gate');
    const again = await runCli(dir, ['merge', String(a), String(b), '--json']);
    expect(again.code, again.stderr).toBe(1);
    const r = JSON.parse(again.stdout) as { tasks: { task: number; fate: string }[] };
    expect(r.tasks.map((t) => [t.task, t.fate])).toEqual([
      [a, 'landed'],
      [b, 'left-out'],
    ]);
  }, 180_000);

  const points = [
    { when: 'before', match: 'read-tree -m -u' },
    { when: 'after', match: 'read-tree -m -u' },
    { when: 'after', match: 'update-ref -m factory: merge queue' },
  ] as const;
  for (const p of points)
    it(`while it lands (killed ${p.when} \`${p.match}\`): the next command finishes at the checked tip`, async () => {
      const { dir, a, b, head } = await twoTasks(false);
      const killed = await runKilled(dir, ['merge', String(a), String(b)], p);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      if (p.match.startsWith('read-tree')) expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
      const next = await runCli(dir, ['list']);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toContain(`finished the merge queue into main`);
      expect(next.stderr).toContain(`tasks ${a}), which was interrupted`);
      // One squash commit of the first task on the old head; the check passes there.
      expect(sh(dir, 'rev-parse', 'HEAD^')).toBe(head);
      expect(sh(dir, 'log', '-1', '--format=%s')).toBe(`rename (factory task ${a})`);
      expect(sh(dir, 'status', '--porcelain')).toBe('');
      expect(execFileSync('sh', ['check.sh'], { cwd: dir, encoding: 'utf8' })).toBe('');
      const status = await statusOf(dir);
      expect(status[a]).toBe('merged');
      expect(status[b]).not.toBe('merged');
      expect(journals(dir)).toEqual([]);
      expect(worktrees(dir).filter((n) => n.startsWith('queue-'))).toEqual([]);
      expect(existsSync(path.join(dir, '.git/index.lock'))).toBe(false);
      expectFsckClean(dir, p.when);
    }, 180_000);
});
