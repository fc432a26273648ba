import type { Repo } from '../../git/repo.js';
import type { WorktreeOptions } from '../../tasks/options.js';
import type { TaskSummary } from '../../tasks/summary.js';

/** What a resume started in the background left to look at. */
export interface BackgroundRun {
  pid: number | undefined;
  log: string;
}

/**
 * Everything the review TUI needs from outside. The process-level effects (spawning the CLI,
 * handing the terminal to a shell, writing to the clipboard) come in as functions, so the
 * components stay testable and the TUI itself never starts a process behind the CLI's back.
 */
export interface ReviewDeps {
  repo: Repo;
  worktree: WorktreeOptions;
  /** The queue front's URL, for the header. */
  baseURL: string;
  /** Where the server state lives (FACTORY_STATE_DIR and friends); undefined: the default. */
  stateDir?: string;
  /** Continues a task with feedback in the background (runs `factory resume`). */
  resume(id: number, feedback: string): BackgroundRun | Promise<BackgroundRun>;
  /** Hands the terminal to a shell in `cwd` and returns when it exits. */
  openShell(cwd: string): void | Promise<void>;
  /**
   * Draws a screenshot on the terminal itself until a key is pressed (see image-view.ts); absent
   * when the terminal draws no images (only kitty and iTerm2 do).
   */
  showImage?(file: string, caption: string, size: { width: number; height: number }): void | Promise<void>;
  /** Puts text on the clipboard. */
  copy(text: string): void;
  /** Whether colours are wanted (NO_COLOR turns them off). */
  color: boolean;
  /** Show discarded tasks from the start. */
  all?: boolean;
  /**
   * The task list (as `all` asks for it) read while the TUI was loading: the first frame shows it
   * at once instead of a placeholder, and the live list takes over from there.
   */
  initialTasks?: TaskSummary[];
  /** For tests: the clock used for ages. */
  now?: () => number;
}
