/** @jsxRuntime automatic @jsxImportSource react */
import { render, type Instance } from 'ink';
import type { Repo } from '../../git/repo.js';
import type { Config } from '../../config/schema.js';
import { ReviewApp } from './app.js';
import type { ReviewDeps } from './deps.js';
import { enterFullScreen, osc52 } from './terminal.js';
import { colorWanted } from './theme.js';
import { imageProtocol } from './terminal-image.js';

export interface RunReviewOptions {
  repo: Repo;
  config: Config;
  all?: boolean;
  resume: ReviewDeps['resume'];
  /** The task list, when it was read before the TUI loaded (see ReviewDeps.initialTasks). */
  initialTasks?: ReviewDeps['initialTasks'];
}

/** Draws the review on this process's terminal until the user quits. */
export async function runReview(opts: RunReviewOptions): Promise<void> {
  const { stdin, stdout } = process;
  let instance: Instance | undefined;
  const protocol = imageProtocol(process.env);
  const deps: ReviewDeps = {
    repo: opts.repo,
    worktree: opts.config.worktree,
    baseURL: opts.config.server.baseURL,
    all: opts.all,
    initialTasks: opts.initialTasks,
    color: colorWanted(),
    resume: opts.resume,
    copy: (text) => stdout.write(osc52(text)),
    openShell: async (cwd) => {
      const { runShell } = await import('./shell.js');
      runShell(cwd, { stdin, stdout, clearFrame: () => instance?.clear() });
    },
    ...(protocol && {
      showImage: async (file, caption, size) => {
        const { showImage } = await import('./image-view.js');
        showImage(protocol, file, caption, size, { stdout, clearFrame: () => instance?.clear() });
      },
    }),
  };
  const leave = enterFullScreen(stdout);
  // Ink sets the terminal raw in an effect, after its first frame, and that frame already shows
  // the tasks read before it started: a key pressed in between would be edited by the terminal
  // (and echoed). Raw from here, keys wait unread, as they were typed, until Ink reads them.
  const raw = stdin.isTTY && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode(true);
  try {
    // 60 fps: a key press shows within one frame while scrolling.
    instance = render(<ReviewApp deps={deps} />, { maxFps: 60 });
    await instance.waitUntilExit();
  } finally {
    if (raw) stdin.setRawMode(false);
    leave();
  }
}
