/**
 * Two tasks run side by side (runTasks, parallel 2) against the scripted server, both writing
 * the same file: while both run, the live view's rows warn about each other. `together: 2` holds
 * both Coder requests until both are in flight, and both Sheriff requests likewise, so neither
 * task can finish before the other has made its edit: the overlap is certain, not a race won.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { openRepo } from '../../src/git/repo.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { runTasks } from '../../src/tasks/runner.js';
import { startScriptedServer, type Script } from '../../src/scripted-server/index.js';
import { LiveStore } from '../../src/tui/live/store.js';
import { TaskTable } from '../../src/tui/live/task-table.js';
import type { TaskRow } from '../../src/tui/live/rows.js';
import { theme } from '../../src/tui/live/theme.js';
import { cleanupTemps, makeRepo, sh } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const coder = (who: string, file: string) => ({
  match: { system: 'You are the Coder', user: `as ${who}` },
  content: `Done.\n\n${file}\n\`\`\`text\n${who}\n\`\`\`\n`,
  together: 2,
});

function script(fileA: string, fileB: string): Script {
  return {
    model: 'scripted-model',
    replies: [
      coder('alpha', fileA),
      coder('beta', fileB),
      {
        match: { system: 'You are the Sheriff' },
        content: '{"verdict": "PASS", "analysis": "The file is written.", "fix": ""}',
        together: 2,
      },
    ],
    default: { content: 'VERDICT: FAIL\nno scripted reply fits this request' },
  };
}

/** Runs both tasks at once; returns every snapshot in which any row carried a warning. */
async function runBoth(fileA: string, fileB: string) {
  const server = await startScriptedServer({ dialect: 'mlx', script: script(fileA, fileB) });
  try {
    const dir = await makeRepo({ 'shared.txt': 'base\n' });
    const config: Config = {
      ...DEFAULT_CONFIG,
      server: { ...DEFAULT_CONFIG.server, baseURL: server.baseURL, model: 'scripted-model', command: null },
      agent: { ...DEFAULT_CONFIG.agent, maxAttempts: 1, tools: 'text' },
      check: 'true',
      sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
    };
    const queue = new RequestQueue(
      [{ baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 2 }],
      { baseDelayMs: 1, maxDelayMs: 1 },
    );
    const store = new LiveStore();
    const warned: (readonly TaskRow[])[] = [];
    // Every change of the store, as the view would draw it (the view only throttles redraws).
    store.subscribe(() => {
      const rows = store.snapshot().rows;
      if (rows.some((r) => r.overlap)) warned.push(rows);
    });
    const outcomes = await runTasks(
      ['alpha', 'beta'].map((who) => ({
        title: `Write the file as ${who}`,
        description: `Write the file as ${who}`,
        constraints: [],
        source: 'test',
      })),
      {
        repo: await openRepo(dir),
        config,
        inference: { mode: 'in-process', queue, note: '' },
        prompts: await loadPrompts(),
        signal: new AbortController().signal,
        onStart: (t) => store.start(t),
        onEvent: (t, e) => store.event(t, e),
        onFinish: (_t, o) => store.taskFinished(o),
      },
      2,
    );
    store.finish(outcomes);
    return { dir, outcomes, warned, final: store.snapshot().rows };
  } finally {
    await server.close();
  }
}

describe('a real parallel run: two tasks edit the same file', () => {
  it('warns on both rows of the live view while both run, and not once they are done', async () => {
    const { dir, outcomes, warned, final } = await runBoth('shared.txt', 'shared.txt');
    expect(outcomes.map((o) => o.outcome)).toEqual(['passed', 'passed']);
    // Both branches really changed the file.
    for (const o of outcomes) expect(sh(dir, 'diff', '--name-only', 'main', o.branch)).toBe('shared.txt');
    const both = warned.find((rows) => rows.filter((r) => r.overlap).length === 2);
    expect(both, 'a moment when both rows warned').toBeDefined();
    const byId = new Map(both!.map((r) => [r.id, r]));
    const [a, b] = outcomes.map((o) => o.id);
    expect(byId.get(a!)!.overlap).toEqual({ with: [b], files: ['shared.txt'] });
    expect(byId.get(b!)!.overlap).toEqual({ with: [a], files: ['shared.txt'] });
    // What the table draws for that moment, at 80 columns.
    const ui = render(
      createElement(TaskTable, {
        rows: both!,
        focusId: null,
        now: Date.now(),
        columnHeader: false,
        style: theme(false),
      }),
    );
    const drawn = (ui.lastFrame() ?? '').split('\n');
    expect(drawn.find((l) => new RegExp(`^ {2}${a} `).test(l))).toContain(`⚠ also ${b}: shared.txt`);
    expect(drawn.find((l) => new RegExp(`^ {2}${b} `).test(l))).toContain(`⚠ also ${a}: shared.txt`);
    ui.unmount();
    expect(final.some((r) => r.overlap)).toBe(false);
  });

  it('never warns when the two tasks write different files', async () => {
    const { outcomes, warned } = await runBoth('alpha.txt', 'beta.txt');
    expect(outcomes.map((o) => o.outcome)).toEqual(['passed', 'passed']);
    expect(warned).toEqual([]);
  });
});
