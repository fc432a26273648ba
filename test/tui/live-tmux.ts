import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/** Ink draws only the final frame when it thinks it runs in CI (is-in-ci): the pane must not look like CI. */
function terminalEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(CI|CI_.*|CONTINUOUS_INTEGRATION|GIT_.*|FACTORY_.*|VITEST.*)$/.test(k)) env[k] = v;
  return { ...env, TERM: 'xterm-256color', ...extra };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One command in a detached tmux pane of a private tmux server (its own socket), so the test
 * never touches the user's sessions. The pane stays open after the command, showing its exit code.
 */
export class Pane {
  private readonly socketPath: string;
  private readonly socket = `factory-live-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(argv: string[], opts: { cwd: string; columns: number; rows: number; env?: NodeJS.ProcessEnv }) {
    // After the command: its exit code, and whether it left the terminal in raw mode.
    const after = `echo "[exit $?] [tty $(stty -a | grep -o -- '-\\?icanon' | head -n 1)]"; sleep 600`;
    const shell = `cd ${quote(opts.cwd)} && ${argv.map(quote).join(' ')}; ${after}`;
    this.tmux(
      ['new-session', '-d', '-s', 'live', '-x', String(opts.columns), '-y', String(opts.rows), shell],
      terminalEnv(opts.env ?? {}),
    );
    this.socketPath = this.display('#{socket_path}');
  }

  /** The visible screen, or everything since the command started with `history`; `styles` keeps SGR codes. */
  capture(history = false, styles = false): string {
    return this.tmux([
      'capture-pane',
      '-p',
      '-t',
      'live',
      ...(history ? ['-S', '-'] : []),
      ...(styles ? ['-e'] : []),
    ]);
  }

  /** A tmux format about the pane, e.g. `#{cursor_flag}`: 1 when the cursor is visible. */
  display(format: string): string {
    return this.tmux(['display-message', '-p', '-t', 'live', format]).trim();
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'live', ...keys]);
  }

  /** Polls the screen until `test` passes; every screen seen is kept for the assertions. */
  async waitFor(test: (screen: string) => boolean, timeoutMs: number, seen: string[] = []): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const screen = this.capture();
      seen.push(screen);
      if (test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out; last screen:\n${this.capture(true)}`);
  }

  /** Ends the session, and with it this private server; tmux leaves the socket file behind. */
  kill(): void {
    try {
      this.tmux(['kill-session', '-t', 'live']);
    } catch {
      // Already gone.
    }
    rmSync(this.socketPath, { force: true });
  }

  private tmux(args: string[], env?: NodeJS.ProcessEnv): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {
      encoding: 'utf8',
      env: env ?? terminalEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

/** The colour parameters (foreground or background) among a capture's SGR codes. */
export function colorCodes(captured: string): string[] {
  return captured
    .split('\u001b[')
    .slice(1)
    .flatMap((seg) => /^([\d;]*)m/.exec(seg)?.[1]?.split(';') ?? [])
    .filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p));
}
