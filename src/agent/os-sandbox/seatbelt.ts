import path from 'node:path';
import { gitPathsOf, real } from './paths.js';
import { SECRET_HOME_PATHS } from './secrets.js';
import type { SandboxPlan } from './types.js';

/** An SBPL string literal. */
const str = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const subpath = (p: string) => `(subpath ${str(p)})`;
const literal = (p: string) => `(literal ${str(p)})`;

/**
 * The Seatbelt profile (`sandbox-exec -p <profile>`) for a command in `cwd`, from the same plan as
 * bwrap. Seatbelt matches real paths (/tmp is /private/tmp on macOS), so every path is resolved.
 * In SBPL the last matching rule wins, which is why the order below is the policy:
 *
 * - reads are allowed, except the secret folders under $HOME (allowed back when listed readable);
 * - writes are denied, except the worktree, the temp folders and `sandbox.writable`;
 * - the repository's .git is denied again (the worktree, which may live inside it, allowed back),
 *   then the worktree's `.git` link file and its git dir;
 * - the network is denied unless allowed.
 *
 * What Seatbelt cannot give: a private /tmp (it is shared with the user's other programs), a
 * hidden $HOME (only the listed secret folders are unreadable), and a PID namespace (daemons are
 * found by process group and session only).
 */
export function seatbeltProfile(plan: SandboxPlan, cwd: string): string {
  const wt = real(cwd);
  const git = gitPathsOf(wt);
  const home = real(plan.home);
  const lines = ['(version 1)', '(allow default)'];
  const secrets = SECRET_HOME_PATHS.map((s) => path.join(home, s));
  lines.push(`(deny file-read* ${secrets.map(subpath).join(' ')})`);
  if (plan.readable.length)
    lines.push(`(allow file-read* ${plan.readable.map((p) => subpath(real(p))).join(' ')})`);
  const temps = ['/private/tmp', '/private/var/folders', real(process.env.TMPDIR ?? '/tmp')];
  lines.push('(deny file-write*)');
  lines.push(
    `(allow file-write* ${[wt, ...new Set(temps), ...plan.writable.map((p) => real(p))].map(subpath).join(' ')} ` +
      `${literal('/dev/null')} ${literal('/dev/zero')} ${literal('/dev/dtracehelper')} (regex #"^/dev/tty"))`,
  );
  if (git.commonDir) {
    lines.push(`(deny file-write* ${subpath(git.commonDir)})`);
    lines.push(`(allow file-write* ${subpath(wt)})`);
  }
  const gitOwn = [literal(git.link), ...(git.gitDir ? [subpath(git.gitDir)] : [])];
  lines.push(`(deny file-write* ${gitOwn.join(' ')})`);
  if (!plan.network) lines.push('(deny network*)');
  return `${lines.join('\n')}\n`;
}

/** `sandbox-exec`'s arguments for `sh -c command`. */
export function seatbeltArgs(plan: SandboxPlan, cwd: string, command: string): string[] {
  return ['-p', seatbeltProfile(plan, cwd), '/bin/sh', '-c', command];
}
