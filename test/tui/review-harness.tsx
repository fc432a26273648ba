/** @jsxRuntime automatic @jsxImportSource react */
import { render } from 'ink-testing-library';
import path from 'node:path';
import { ReviewApp } from '../../src/tui/review/app.js';
import type { ReviewDeps } from '../../src/tui/review/deps.js';
import type { Repo } from '../../src/git/repo.js';
import { W } from '../helpers/engine.js';

/** Keys as a terminal sends them. */
export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  esc: '\x1b',
  pageDown: '\x1b[6~',
  pageUp: '\x1b[5~',
  backspace: '\x7f',
};

const squashed = (text: string) => text.replace(/\s+/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * How long a wait may take before the test fails with the screen it saw. A deadline, not a
 * timing: a merge takes about a second on a quiet machine and many more when CI runs the
 * end-to-end suites side by side, so it stays well inside the 60 s test timeout.
 */
const WAIT_MS = 30_000;
// Ink takes a lone ESC as the Escape key on the next turn of the event loop (setImmediate); a key
// written before that would be read together with it.
const escapeFlushed = () => new Promise((r) => setImmediate(r));

export interface Mounted {
  frame(): string;
  /** Writes each key as its own read, the way a person types. */
  press(...keys: string[]): Promise<void>;
  /** Writes `text` in one read, the way a paste or very fast typing arrives. */
  type(text: string): Promise<void>;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until `check(frame)` holds; `what` names the condition in the failure. */
  until(check: (frame: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  resize(columns: number, rows: number): void;
  calls: { resume: [number, string][]; shell: string[]; copy: string[] };
  unmount(): void;
}

/**
 * Mounts the review on a repo with fake process effects (resume, shell, clipboard are recorded)
 * and a server URL nobody listens on, so the header says the server is not running.
 */
export function mount(
  repo: Repo,
  over: Partial<ReviewDeps> = {},
  size = { columns: 100, rows: 24 },
): Mounted {
  const calls: Mounted['calls'] = { resume: [], shell: [], copy: [] };
  const deps: ReviewDeps = {
    repo,
    worktree: W,
    baseURL: 'http://127.0.0.1:9/v1',
    stateDir: path.join(repo.factoryDir, 'no-server-state'),
    color: false,
    resume: (id, feedback) => {
      calls.resume.push([id, feedback]);
      return { pid: 4242, log: `/tmp/resume-${id}.log` };
    },
    openShell: (cwd) => {
      calls.shell.push(cwd);
    },
    copy: (text) => {
      calls.copy.push(text);
    },
    ...over,
  };
  const r = render(<ReviewApp deps={deps} />);
  const setSize = (columns: number, rows: number) => {
    Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
  };
  setSize(size.columns, size.rows);
  r.stdout.emit('resize');
  const frame = () => r.lastFrame() ?? '';
  return {
    frame,
    calls,
    // The review handles every key in order, each after the frame of the one before: keys are
    // written as they come, and the test waits for what they should show.
    async press(...keys) {
      for (const k of keys) {
        r.stdin.write(k);
        if (k === KEY.esc) await escapeFlushed();
      }
    },
    async type(text) {
      r.stdin.write(text);
    },
    async until(check, what, timeoutMs = WAIT_MS) {
      const end = Date.now() + timeoutMs;
      while (!check(frame())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen was:\n${frame()}`);
        await sleep(20);
      }
      return frame();
    },
    async waitFor(text, timeoutMs = WAIT_MS) {
      const end = Date.now() + timeoutMs;
      // Ink wraps a long line, at a space or inside a long word: a string matches across such a
      // wrap too (the length of a temp path must not decide whether a message is found).
      const hit = () =>
        typeof text === 'string'
          ? frame().includes(text) || squashed(frame()).includes(squashed(text))
          : text.test(frame());
      while (!hit()) {
        if (Date.now() > end)
          throw new Error(`timed out waiting for ${String(text)}; the screen was:\n${frame()}`);
        await sleep(20);
      }
      return frame();
    },
    resize(columns, rows) {
      setSize(columns, rows);
      r.stdout.emit('resize');
    },
    unmount: () => r.unmount(),
  };
}

/** The frame's lines, for size checks. */
export const lines = (frame: string) => frame.split('\n');
