import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { taskDir } from '../tasks/paths.js';
import { resumableTask } from '../tasks/resumable.js';

/** This same CLI, the way it was started (tsx in development, node on the build). */
export function selfCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

/**
 * Runs `factory resume <id> --feedback <text>` detached, so the task goes on after the review
 * quits. Its output goes to `tasks/<id>/resume.log`. A task that cannot be resumed is refused here,
 * where the review can show why, before any process (or model server) is started.
 */
export async function resumeInBackground(
  repo: Repo,
  id: number,
  feedback: string,
  cli: string[] = selfCommand(),
): Promise<{ pid: number | undefined; log: string }> {
  await resumableTask(repo, id);
  const dir = taskDir(repo, id);
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'resume.log');
  // Loaded here, not with the review that offers this: execa is not needed for its first frame.
  const { spawnGroup } = await import('../llm/spawn-group.js');
  // It must outlive the review: its own detached group, never ended when this process exits, not
  // keeping it alive. One that cannot start comes back without a pid; its result never rejects.
  const child = spawnGroup([...cli, 'resume', String(id), '--feedback', feedback, '--json'], {
    log,
    cwd: repo.root,
  });
  child.unref();
  return { pid: child.pid, log };
}
