/**
 * `factory resume <task> --rebase`: a task whose base moved is carried onto the base's current
 * tip in its worktree; a conflict becomes the next Coder turn's problem (files and git's words),
 * never a worktree left mid-rebase, and no commit is lost. Real CLI, git and check processes, the
 * scripted server over HTTP.
 */
import { vi, afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemps, sh, writeFiles } from '../helpers/git-repo.js';
import {
  cli,
  closeInProcess,
  commitShape,
  e2eRepo,
  events,
  inProcessServer,
  killSpawned,
  lastUser,
  requestsOf,
  runJson,
  startInProcess,
  worktreeOf,
} from '../e2e/support.js';

// CLI runs take seconds each on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });
afterEach(killSpawned);
afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const CHECK = 'grep -qx 42 answer.txt || { echo "wrong answer"; exit 1; }\n';

async function passedTask() {
  const server = await startInProcess('mlx', 'trust-rebase.json');
  const repo = await e2eRepo(
    { 'answer.txt': '40\n', 'check.sh': CHECK },
    { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 2, tools: 'text' } },
  );
  const first = await runJson(repo.dir, ['task', 'Put the right answer in answer.txt.']);
  expect(first.code, first.stderr).toBe(0);
  expect(first.outcomes[0]!.outcome).toBe('passed');
  return { server, repo, branch: first.outcomes[0]!.branch, wt: worktreeOf(repo.dir, 1) };
}

/** The worktree is on its branch, clean, and not in the middle of a rebase or a merge. */
function expectSettled(wt: string, branch: string): void {
  expect(sh(wt, 'symbolic-ref', '--short', 'HEAD')).toBe(branch);
  expect(sh(wt, 'status', '--porcelain')).toBe('');
  const gitDir = sh(wt, 'rev-parse', '--path-format=absolute', '--git-dir');
  for (const f of ['rebase-merge', 'rebase-apply', 'MERGE_HEAD', 'REBASE_HEAD'])
    expect(existsSync(path.join(gitDir, f)), f).toBe(false);
}

describe('trust: resume --rebase re-runs a task on the moved base', () => {
  it('gives a conflict to the Coder, who resolves it, and the task then merges', async () => {
    const { server, repo, branch, wt } = await passedTask();
    const attempt1 = sh(repo.dir, 'rev-parse', 'refs/factory/1/attempts/1');
    // The base moves under the task, in the very line the task changed.
    await writeFiles(repo.dir, { 'answer.txt': '41\nchecked by main\n' });
    sh(repo.dir, 'commit', '-qam', 'main changes the answer too');
    const mainTip = sh(repo.dir, 'rev-parse', 'main');
    const conflicted = await cli(repo.dir, ['merge', '1']);
    expect(conflicted.code).not.toBe(0);
    expect(conflicted.stderr).toContain('answer.txt');

    // Without --rebase a passed task is refused, with a pointer to --rebase.
    const plain = await cli(repo.dir, ['resume', '1']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--rebase');

    const r = await runJson(repo.dir, ['resume', '1', '--rebase']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.outcomes[0]).toMatchObject({ id: 1, outcome: 'passed', attempts: 3 });
    expect(commitShape(repo.dir, branch, mainTip)).toEqual([
      'attempt 1.2 exit=none verdict=NONE rebase-conflict',
      'step 1.3.1 write_file',
      'attempt 1.3 exit=0 verdict=PASS passed',
    ]);
    // Attempt 2 is the rebase: on main's tip, with git's conflict markers for the Coder.
    expect(sh(repo.dir, 'rev-parse', 'refs/factory/1/attempts/2^')).toBe(mainTip);
    const marked = sh(repo.dir, 'show', 'refs/factory/1/attempts/2:answer.txt');
    expect(marked).toContain(`<<<<<<< ${mainTip}`);
    expect(marked).toContain(`>>>>>>> ${attempt1}`);
    // The Coder was told which file conflicts and how.
    const prompt = lastUser(requestsOf(server, 'Coder').at(-1)!.body);
    expect(prompt).toContain('answer.txt: CONFLICT (content): Merge conflict in answer.txt');
    expect(prompt).toContain('conflicted in 1 file(s)');
    expect(events(repo.dir, 1).find((e) => e.type === 'rebased')).toMatchObject({
      attempt: 2,
      onto: mainTip,
      from: attempt1,
      conflicts: [{ path: 'answer.txt' }],
    });
    // Nothing lost: attempt 1 keeps its commit and ref; the worktree never stayed mid-rebase.
    expect(sh(repo.dir, 'rev-parse', 'refs/factory/1/attempts/1')).toBe(attempt1);
    expect(sh(repo.dir, 'rev-parse', 'refs/factory/1/rebased/2')).toBe(attempt1);
    expectSettled(wt, branch);
    expect(readFileSync(path.join(wt, 'answer.txt'), 'utf8')).toBe('42\nchecked by main\n');
    const rec = JSON.parse(readFileSync(path.join(repo.dir, '.git/factory/tasks/1/task.json'), 'utf8'));
    expect(rec.base).toBe(mainTip);

    const merged = await cli(repo.dir, ['merge', '1']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(sh(repo.dir, 'show', 'main:answer.txt')).toBe('42\nchecked by main');
  });

  it('rebases cleanly when the base moved elsewhere, and the rebase can be undone', async () => {
    const { repo, branch, wt } = await passedTask();
    const before = sh(repo.dir, 'rev-parse', branch);
    await writeFiles(repo.dir, { 'notes.txt': 'from main\n' });
    sh(repo.dir, 'add', 'notes.txt');
    sh(repo.dir, 'commit', '-qm', 'main moves on');
    const mainTip = sh(repo.dir, 'rev-parse', 'main');

    // Uncommitted changes to tracked files in the worktree: refused, nothing moved.
    await writeFiles(wt, { 'answer.txt': 'by hand\n' });
    const refused = await cli(repo.dir, ['resume', '1', '--rebase']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('uncommitted changes to tracked files: answer.txt');
    expect(sh(repo.dir, 'rev-parse', branch)).toBe(before);
    expect(sh(repo.dir, 'for-each-ref', 'refs/factory/1/')).not.toMatch(/attempts\/2|rebased/);
    sh(wt, 'checkout', '--', 'answer.txt');

    const r = await runJson(repo.dir, ['resume', '1', '--rebase']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.outcomes[0]).toMatchObject({ outcome: 'passed', attempts: 3 });
    expect(commitShape(repo.dir, branch, mainTip)).toEqual([
      'attempt 1.2 exit=none verdict=NONE rebased',
      'attempt 1.3 exit=0 verdict=PASS passed',
    ]);
    expect(sh(repo.dir, 'diff', '--name-only', mainTip, branch)).toBe('answer.txt');
    expect(readFileSync(path.join(wt, 'notes.txt'), 'utf8')).toBe('from main\n');
    expectSettled(wt, branch);

    // The rebase is a move of the branch like a rollback: --undo takes it back.
    const undo = await cli(repo.dir, ['rollback', '--undo', '1']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toContain('before the last rollback (to the rebase onto main)');
    expect(sh(repo.dir, 'rev-parse', branch)).toBe(before);
    expect(existsSync(path.join(wt, 'notes.txt'))).toBe(false);
  });
});
