/** The `worktree` section of the configuration, as the engine needs it. */
export interface WorktreeOptions {
  dir: string | null;
  copy: string[];
  link: string[];
  keep: string[];
  setup: string | null;
  pool: number;
  /** MiB: untracked files larger than this are left out of attempt commits. */
  maxFileSize: number;
}

export const DEFAULT_WORKTREE_OPTIONS: WorktreeOptions = {
  dir: null,
  copy: [],
  link: [],
  keep: [],
  setup: null,
  pool: 2,
  maxFileSize: 5,
};

/** The folders a worktree keeps when it is cleaned for the next task: `keep` and the `link`s. */
export const keptDirs = (o: WorktreeOptions): string[] => [...o.keep, ...o.link];
