// tsx (the dev loader) takes JSX settings from the tsconfig of the cwd, not this project's;
// the CLI runs from any folder, so the runtime is named here. @jsxRuntime automatic @jsxImportSource react
import { render } from 'ink';
import type { RunnerOptions, TaskOutcome } from '../../tasks/runner.js';
import { pollMetrics, type MetricsSource } from './metrics.js';
import { LiveStore } from './store.js';
import { wantsColor } from './theme.js';
import { LiveView } from './view.js';

export interface LiveOptions {
  metrics?: MetricsSource;
  /** Where the view is drawn; stderr, like the plain progress lines, so stdout stays the summary's. */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  color?: boolean;
  /** What Ctrl-C does while the view holds the keyboard; default: raise SIGINT as the terminal would. */
  onInterrupt?: () => void;
  pollMs?: number;
  /** Route console output above the frame (default); test runners bring consoles Ink cannot wrap. */
  patchConsole?: boolean;
}

export interface LiveRun {
  callbacks: Required<Pick<RunnerOptions, 'onStart' | 'onEvent' | 'onCoderText' | 'onFinish'>>;
  /** A notice shown under the view (writing to the terminal directly would tear the frame). */
  note(line: string): void;
  /** Shows the outcomes, stops the view and leaves its last frame, so output can follow it. Idempotent. */
  close(outcomes?: readonly TaskOutcome[]): Promise<void>;
}

export function startLiveView(opts: LiveOptions = {}): LiveRun {
  const store = new LiveStore();
  const stdout = opts.stdout ?? process.stderr;
  const instance = render(
    <LiveView
      store={store}
      color={opts.color ?? wantsColor()}
      onInterrupt={opts.onInterrupt ?? (() => process.kill(process.pid, 'SIGINT'))}
    />,
    {
      stdout,
      stdin: opts.stdin ?? process.stdin,
      // Ctrl-C belongs to the run (cancel, then quit), not to the view.
      exitOnCtrlC: false,
      patchConsole: opts.patchConsole ?? true,
      maxFps: 20,
    },
  );
  const stopPolling = opts.metrics
    ? pollMetrics(
        opts.metrics,
        (m) => store.metrics(m),
        () => store.tick(),
        opts.pollMs,
      )
    : () => undefined;
  let closing: Promise<void> | undefined;
  return {
    callbacks: {
      onStart: (task) => store.start(task),
      onEvent: (task, e) => store.event(task, e),
      onCoderText: (task, delta) => store.coderText(task, delta),
      onFinish: (_task, outcome) => store.taskFinished(outcome),
    },
    note: (line) => store.note(line),
    close: (outcomes) =>
      (closing ??= (async () => {
        stopPolling();
        store.finish(outcomes);
        // Lets the final state reach the screen before Ink writes its last frame.
        await new Promise((resolve) => setImmediate(resolve));
        const exited = instance.waitUntilExit();
        instance.unmount();
        await exited;
      })()),
  };
}
