import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createElement, Profiler, type ProfilerOnRenderCallback } from 'react';
import { render, type Instance } from 'ink';
import type { Repo } from '../../src/git/repo.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import { ReviewApp } from '../../src/tui/review/app.js';
import type { ReviewDeps } from '../../src/tui/review/deps.js';
import { FakeStdin, FakeStdout } from './terminal.js';

/** The terminal size of the real-terminal test. */
export const COLUMNS = 100;
export const ROWS = 30;

/** One React commit, as its Profiler saw it (performance.now() time). */
export interface Commit {
  /** When React started rendering the update. */
  start: number;
  /** When it started committing it (the render phase is over). */
  commit: number;
}

export interface Mounted {
  stdout: FakeStdout;
  stdin: FakeStdin;
  /** When `render()` was called and when it returned (the first, synchronous frame). */
  mountedAt: { start: number; end: number };
  commits: Commit[];
  /** Ink's own time to turn the laid-out tree into the frame's text (its `onRender` hook). */
  renders: { at: number; ms: number }[];
  unmount(): void;
}

/**
 * The review as `runReview` draws it (60 fps, colours on), on a fake terminal, with the process
 * effects stubbed and a server URL nobody listens on: the header says the server is not running.
 * A React Profiler around the app timestamps each commit (React's development build, the one the
 * CLI runs, always keeps those timings).
 */
export function mountReview(repo: Repo): Mounted {
  const stdout = new FakeStdout(COLUMNS, ROWS);
  const stdin = new FakeStdin();
  const commits: Commit[] = [];
  const renders: Mounted['renders'] = [];
  const deps: ReviewDeps = {
    repo,
    worktree: DEFAULT_WORKTREE_OPTIONS,
    baseURL: 'http://127.0.0.1:9/v1',
    stateDir: path.join(repo.factoryDir, 'bench-no-server-state'),
    color: true,
    resume: () => ({ pid: undefined, log: '' }),
    openShell: () => undefined,
    copy: () => undefined,
  };
  const onCommit: ProfilerOnRenderCallback = (_id, _phase, _actual, _base, start, commit) =>
    commits.push({ start, commit });
  const tree = createElement(
    Profiler,
    { id: 'review', onRender: onCommit },
    createElement(ReviewApp, { deps }),
  );
  const start = performance.now();
  const instance: Instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    maxFps: 60,
    patchConsole: false,
    exitOnCtrlC: false,
    onRender: ({ renderTime }) => renders.push({ at: performance.now(), ms: renderTime }),
  });
  return {
    stdout,
    stdin,
    mountedAt: { start, end: performance.now() },
    commits,
    renders,
    unmount: () => {
      instance.unmount();
      instance.cleanup();
    },
  };
}
