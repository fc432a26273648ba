import { openRepo, type Repo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { DEFAULT_WORKTREE_OPTIONS, type WorktreeOptions } from '../../src/tasks/options.js';
import { writeFiles } from './git-repo.js';

export const W: WorktreeOptions = DEFAULT_WORKTREE_OPTIONS;

/**
 * Creates a task and plays a scripted history into it: each attempt is a list of file writes
 * (one step commit each) followed by an attempt commit.
 */
export async function taskWithAttempts(
  dir: string,
  title: string,
  attempts: { files: Record<string, string>; exit: number }[],
  opts: WorktreeOptions = W,
): Promise<{ repo: Repo; id: number; worktree: string }> {
  const repo = await openRepo(dir);
  const { record } = await createTask(repo, opts, { title });
  const ws = await TaskWorkspace.open(repo, record.id, opts);
  try {
    for (const a of attempts) {
      const n = await ws.nextAttempt();
      let step = 0;
      for (const [file, content] of Object.entries(a.files)) {
        await writeFiles(ws.worktree, { [file]: content });
        await ws.commitStep({ attempt: n, step: ++step, tool: 'write_file', paths: [file] });
      }
      await ws.commitAttempt({
        attempt: n,
        checkExit: a.exit,
        verdict: a.exit === 0 ? 'PASS' : 'FAIL',
        durationMs: 10,
        outcome: a.exit === 0 ? 'passed' : 'failed',
      });
    }
  } finally {
    await ws.close();
  }
  return { repo, id: record.id, worktree: record.worktree };
}
