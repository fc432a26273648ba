import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One tmux session on a private server socket, so tests never touch the user's tmux. `keys` go
 * in one at a time, the way a person types.
 */
export class TmuxSession {
  private readonly socket = `factory-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly name = 'review';

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` (a shell command line) in `cwd` on a terminal of the given size. */
  start(command: string, opts: { cwd: string; columns: number; rows: number }): void {
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(opts.columns),
      '-y',
      String(opts.rows),
      '-c',
      opts.cwd,
      command,
    );
  }

  /** tmux key names (Enter, Escape, Down…) or literal characters. */
  async send(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.tmux('send-keys', '-t', this.name, k);
      await sleep(120);
    }
  }

  /**
   * Several keys in one send-keys call: tmux writes them to the terminal at once, so the program
   * usually reads them together, as it does when a person types faster than it draws.
   */
  sendTogether(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Any other tmux command on this private server (options, buffers, pane title). */
  command(...args: string[]): string {
    return this.tmux(...args);
  }

  /** The visible screen as text; with `escapes`, with its colours and styles as SGR sequences. */
  capture(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name);
  }

  /** A string also matches across the terminal's line wraps (whitespace is ignored). */
  async waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      const hit =
        typeof text === 'string'
          ? screen.includes(text) || squashed(screen).includes(squashed(text))
          : text.test(screen);
      if (hit) return screen;
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${String(text)}; the screen was:\n${screen}`);
      await sleep(100);
    }
  }

  /** Ends the session and this private server, and removes the socket file tmux leaves behind. */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone.
    }
    const dir = path.join(process.env.TMUX_TMPDIR || os.tmpdir(), `tmux-${process.getuid?.() ?? 0}`);
    rmSync(path.join(dir, this.socket), { force: true });
  }
}

const squashed = (text: string) => text.replace(/\s+/g, '');
