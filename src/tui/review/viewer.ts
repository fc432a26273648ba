import { execa } from 'execa';

/**
 * Opening a screenshot with the system's image viewer: `open` on macOS, `xdg-open` elsewhere.
 * Found on PATH like any other program. The viewer runs detached, with no terminal, so the review
 * keeps drawing and reading keys while it is open, and it stays open after the review quits.
 */

export const viewerCommand = (platform: NodeJS.Platform = process.platform): string =>
  platform === 'darwin' ? 'open' : 'xdg-open';

export interface OpenedFile {
  command: string;
  /** Settles when the viewer command exits: null when it did its job, else what went wrong. */
  outcome: Promise<string | null>;
}

/** Starts the viewer on `file`; rejects with one sentence when the viewer cannot be started. */
export async function openInViewer(file: string): Promise<OpenedFile> {
  const command = viewerCommand();
  const sub = execa(command, [file], { detached: true, stdio: 'ignore', reject: false });
  const spawned = new Promise<true>((resolve) => sub.once('spawn', () => resolve(true)));
  // Without a 'spawn', the result comes first: the command could not be started at all.
  const first = await Promise.race([spawned, sub]);
  if (first !== true) {
    const missing = first.code === 'ENOENT';
    throw new Error(
      missing
        ? `cannot open the screenshot: there is no ${command} on this system${command === 'xdg-open' ? ' (it comes with xdg-utils)' : ''}; the file is ${file}`
        : `cannot open the screenshot with ${command}: ${first.shortMessage}`,
    );
  }
  sub.unref();
  const outcome = Promise.resolve(sub).then((r) =>
    r.exitCode === 0 || r.isTerminated
      ? null
      : `${command} could not open ${file} (exit ${r.exitCode ?? '-'})`,
  );
  return { command, outcome };
}
