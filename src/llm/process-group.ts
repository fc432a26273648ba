/**
 * Signals for a process group (no process is started here, so the commands that only look at
 * groups, such as `factory list` through the run locks, never load execa).
 */

/** True while any process of the group exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`. Resolves once
 * no process of the group remains (or after the SIGKILL had time to land).
 */
export async function killGroup(pgid: number, graceMs = 5000): Promise<'none' | 'term' | 'kill'> {
  if (!groupAlive(pgid)) return 'none';
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'term';
    await new Promise((r) => setTimeout(r, 25));
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 25));
  return 'kill';
}
