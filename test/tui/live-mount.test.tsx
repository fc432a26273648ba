import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { startLiveView, type LiveRun } from '../../src/tui/live/index.js';
import { attempt, metrics, outcome, phase } from './live-helpers.js';

/** Just enough of a terminal for Ink: it records what is written. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  columns = 80;
  rows = 24;
  output = '';
  write(s: string, cb?: () => void): boolean {
    this.output += s;
    cb?.();
    return true;
  }
}

const stdinStub = () => Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream;

let run: LiveRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

describe('startLiveView', () => {
  it('draws on its stream, polls metrics, and leaves the final frame on close', async () => {
    const term = new FakeTerminal();
    const source = vi.fn(async () => metrics({ 'task-1': { tokensPerSecond: 33 } }));
    run = startLiveView({
      stdout: term as unknown as NodeJS.WriteStream,
      stdin: stdinStub(),
      metrics: source,
      pollMs: 20,
      color: false,
      patchConsole: false,
    });
    const t = { id: 1, title: 'the task' } as never;
    run.callbacks.onStart(t);
    run.callbacks.onEvent(t, phase(1, 'coder'));
    run.callbacks.onCoderText(t, 'thinking out loud');
    run.note('a notice');
    await expect.poll(() => source.mock.calls.length, { timeout: 10_000 }).toBeGreaterThan(2);
    await expect.poll(() => term.output, { timeout: 10_000 }).toContain('33.0');
    expect(term.output).toContain('thinking out loud');
    expect(term.output).toContain('a notice');

    run.callbacks.onEvent(t, attempt(1, 'passed'));
    await run.close([outcome(1, 'passed', 1)]);
    const last = term.output.slice(term.output.lastIndexOf('factory  '));
    expect(last).toMatch(/^factory {2}1 task: 1 passed\n/);
    expect(last).not.toContain('thinking out loud');

    // Closed for good: no more polls or frames, and closing again is harmless.
    const calls = source.mock.calls.length;
    const written = term.output.length;
    await run.close();
    run.callbacks.onEvent(t, phase(2, 'coder'));
    await new Promise((r) => setTimeout(r, 80));
    expect(source.mock.calls.length).toBe(calls);
    expect(term.output.length).toBe(written);
  });

  it("settles a task's row as soon as the runner says it finished, while the others run on", async () => {
    const term = new FakeTerminal();
    run = startLiveView({
      stdout: term as unknown as NodeJS.WriteStream,
      stdin: stdinStub(),
      color: false,
      patchConsole: false,
    });
    const [a, b] = [
      { id: 1, title: 'first' },
      { id: 2, title: 'second' },
    ] as never[];
    run.callbacks.onStart(a!);
    run.callbacks.onStart(b!);
    run.callbacks.onEvent(a!, attempt(1, 'failed'));
    run.callbacks.onEvent(b!, phase(1, 'coder'));
    await expect.poll(() => term.output, { timeout: 10_000 }).toContain('2 tasks: 2 running');
    // After a failed attempt only the runner knows that no attempt follows.
    run.callbacks.onFinish(a!, outcome(1, 'failed', 1));
    await expect.poll(() => term.output, { timeout: 10_000 }).toContain('2 tasks: 1 failed, 1 running');
  });
});
