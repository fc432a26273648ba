import { rm, stat } from 'node:fs/promises';

/**
 * Removes a lock file a killed process left, once it has not changed for `settleMs`: a git child
 * of the killed owner may still be finishing its command and would commit or release it itself.
 */
export async function removeSettledLock(lock: string, settleMs = 2000): Promise<void> {
  for (;;) {
    const st = await stat(lock).catch(() => null);
    if (!st) return;
    if (Date.now() - st.mtimeMs >= settleMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await rm(lock, { force: true });
}
