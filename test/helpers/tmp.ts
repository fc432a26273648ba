/**
 * Temporary folders for tests, through tmp-promise. The path is real (tmp resolves the parent
 * folder), so it compares equal to what git prints. Each test file removes its folders itself
 * (afterEach/afterAll); whatever is left when the process ends goes too, so a test that fails
 * before its cleanup leaves nothing behind:
 * - on a normal exit, by tmp's graceful cleanup;
 * - on SIGTERM, which is how vitest ends its worker processes and which skips 'exit' handlers,
 *   by the handler below, which then lets the signal end the process as it would have.
 */
import { rmSync } from 'node:fs';
import { dir, setGracefulCleanup } from 'tmp-promise';

setGracefulCleanup();

/** One registry per process, even when a test runner evaluates this module once per test file. */
const REGISTRY = Symbol.for('factory.test.tempFolders');
const registry = globalThis as { [REGISTRY]?: Set<string> };
const live = (registry[REGISTRY] ??= installSigtermCleanup(new Set<string>()));

function installSigtermCleanup(folders: Set<string>): Set<string> {
  process.once('SIGTERM', () => {
    for (const f of folders) rmSync(f, { recursive: true, force: true });
    // Nobody else handles SIGTERM: die of it, as the process would have without this handler.
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  });
  return folders;
}

export interface TempFolder {
  path: string;
  /** Removes the folder and all it holds; a folder already gone is fine (like `rm -rf`). */
  remove: () => Promise<void>;
}

/** A fresh folder `<parent>/<prefix>-<pid>-<random>`; `parent` defaults to the OS temp folder. */
export async function tempFolder(prefix: string, parent?: string): Promise<TempFolder> {
  const made = await dir({
    unsafeCleanup: true,
    // tmp adds its own dash before the pid.
    prefix: prefix.replace(/-+$/, ''),
    ...(parent ? { tmpdir: parent } : {}),
  });
  live.add(made.path);
  // tmp's cleanup runs once; a second call would never settle, so every caller shares the first.
  let removing: Promise<void> | undefined;
  return {
    path: made.path,
    remove: () =>
      (removing ??= made
        .cleanup()
        .catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        })
        .finally(() => live.delete(made.path))),
  };
}
