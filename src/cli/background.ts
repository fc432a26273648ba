import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { outputFd } from '../output-fd.js';
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
  const fd = openSync(log, 'a');
  try {
    const [program, ...args] = cli;
    // It must outlive the review: detached, never ended by execa when this process exits, not
    // keeping it alive. One that cannot start comes back without a pid, as before: with
    // `reject: false` execa's promise of the result never rejects, so nothing is thrown later.
    const child = execa(program!, [...args, 'resume', String(id), '--feedback', feedback, '--json'], {
      cwd: repo.root,
      detached: true,
      cleanup: false,
      stdin: 'ignore',
      stdout: outputFd(fd),
      stderr: outputFd(fd),
      buffer: false,
      reject: false,
      env: process.env,
      extendEnv: false,
    });
    child.unref();
    return { pid: child.pid, log };
  } finally {
    closeSync(fd);
  }
}
