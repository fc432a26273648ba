import { gitPathsOf, isInside } from './paths.js';
import type { SandboxPlan } from './types.js';

/**
 * bubblewrap's arguments for `sh -c command` in `cwd` (the task's worktree). Later mounts cover
 * earlier ones, so the order is the policy:
 *
 * 1. everything read-only; a fresh /dev, /proc (of the new PID namespace) and a private /tmp;
 * 2. $HOME an empty tmpfs, then the toolchains on PATH and `sandbox.readable` back, read-only;
 * 3. the main worktree back (read-only) when /tmp or $HOME hid it: worktree.link points there;
 * 4. `sandbox.writable`, writable;
 * 5. the repository's .git read-only, after the writable folders so none of them can unlock it;
 * 6. the task's worktree writable, then its `.git` link file and its git dir read-only again.
 *
 * `--unshare-pid` makes the shell's tree a PID namespace whose init is bwrap: when the shell
 * exits or is killed, the kernel kills everything left in it, `setsid` daemons included.
 * `--die-with-parent` does the same if factory itself dies.
 */
export function bwrapArgs(plan: SandboxPlan, cwd: string, command: string): string[] {
  const git = gitPathsOf(cwd);
  const hidden = (p: string) => isInside(p, '/tmp') || (plan.home !== '/' && isInside(p, plan.home));
  const args = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc'];
  if (!plan.network) args.push('--unshare-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  if (plan.home !== '/' && !isInside('/tmp', plan.home)) args.push('--tmpfs', plan.home);
  for (const p of [...(plan.exposed ?? []), ...plan.readable]) args.push('--ro-bind-try', p, p);
  if (git.mainRoot && hidden(git.mainRoot)) args.push('--ro-bind', git.mainRoot, git.mainRoot);
  for (const p of plan.writable) args.push('--bind-try', p, p);
  if (git.commonDir) args.push('--ro-bind', git.commonDir, git.commonDir);
  args.push('--bind', cwd, cwd);
  if (git.gitDir && git.gitDir !== git.link) args.push('--ro-bind', git.link, git.link);
  if (git.gitDir && !(git.commonDir && isInside(git.gitDir, git.commonDir) && !isInside(git.gitDir, cwd)))
    args.push('--ro-bind', git.gitDir, git.gitDir);
  args.push('--chdir', cwd, '--', '/bin/sh', '-c', command);
  return args;
}

/** The variables bwrap's child sees: the private /tmp is the only temp folder it can write. */
export function bwrapEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, TMPDIR: '/tmp' };
}
