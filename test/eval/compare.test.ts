import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/eval/compare.js';
import {
  readResults,
  RESULTS_FORMAT,
  writeResults,
  type CaseRun,
  type EvalResults,
} from '../../src/eval/results.js';
import { summarize } from '../../src/eval/summary.js';
import { tempDir } from '../helpers/git-repo.js';

function row(
  name: string,
  run: number,
  status: CaseRun['status'],
  attempts: number,
  wallMs: number,
): CaseRun {
  const ran = status === 'passed' || status === 'failed';
  return {
    suite: 'seeds',
    case: name,
    title: name,
    run,
    status,
    reason: status,
    outcome: ran ? (status === 'passed' ? 'passed' : 'failed') : null,
    attempts,
    verify: ran ? { exitCode: status === 'passed' ? 0 : 1, output: '' } : null,
    published: null,
    figures: ran
      ? {
          wallMs,
          modelMs: wallMs / 2,
          firstTokenMs: wallMs / 4,
          generationMs: wallMs / 4,
          queuedMs: 0,
          requests: 2 * attempts,
          promptTokens: 100 * attempts,
          completionTokens: 10 * attempts,
          cachedTokens: null,
          tokensPerSecond: 10,
          checkMs: 100,
          overheadMs: wallMs / 2 - 100,
        }
      : null,
  };
}

function results(cases: CaseRun[], overrides: Record<string, string> = {}): EvalResults {
  return {
    format: RESULTS_FORMAT,
    factoryVersion: '0.1.0',
    date: '2026-12-01T00:00:00.000Z',
    suite: 'seeds',
    repeat: Math.max(...cases.map((c) => c.run)),
    model: 'm',
    server: { baseURL: 'http://127.0.0.1:1/v1', flavor: null },
    quantization: null,
    settings: {
      tools: 'auto',
      maxAttempts: 5,
      maxTokensPerTurn: 8192,
      totalTokenBudget: 100000,
      executionTimeout: 60,
      llmTimeout: 120,
      temperature: 0,
      parallel: 2,
      overrides,
    },
    interrupted: false,
    cases,
  };
}

describe('summarize', () => {
  it('counts passes over the runs that ran and takes medians; skipped and interrupted runs are counted apart', () => {
    const [s] = summarize([
      row('a', 1, 'passed', 1, 1000),
      row('a', 2, 'failed', 3, 5000),
      row('a', 3, 'passed', 2, 2000),
      row('a', 4, 'interrupted', 0, 0),
    ]);
    expect(s).toMatchObject({
      runs: 3,
      passed: 2,
      interrupted: 1,
      attempts: 2,
      wallMs: 2000,
      note: 'interrupted: interrupted',
    });
  });
});

describe('compareResults', () => {
  it('per case: pass gained or lost and B minus A of each figure; the same for the totals', () => {
    const a = results([
      row('x', 1, 'passed', 3, 9000),
      row('y', 1, 'failed', 5, 20000),
      row('gone', 1, 'passed', 1, 100),
    ]);
    const b = results(
      [row('x', 1, 'failed', 2, 6000), row('y', 1, 'passed', 4, 15000), row('new', 1, 'skipped', 0, 0)],
      {
        'agent.tools': 'text',
      },
    );
    const c = compareResults(a, b);
    expect(c.b.overrides).toEqual({ 'agent.tools': 'text' });
    const by = Object.fromEntries(c.cases.map((d) => [d.case, d]));
    expect(by.x).toMatchObject({
      presence: 'both',
      passedA: '1/1',
      passedB: '0/1',
      pass: 'lost',
      attempts: { a: 3, b: 2, diff: -1 },
    });
    expect(by.x!.wallMs).toEqual({ a: 9000, b: 6000, diff: -3000 });
    expect(by.y).toMatchObject({ pass: 'gained', completionTokens: { a: 50, b: 40, diff: -10 } });
    expect(by.gone).toMatchObject({
      presence: 'only-a',
      passedB: null,
      pass: 'same',
      attempts: { a: 1, b: null, diff: null },
    });
    expect(by.new).toMatchObject({ presence: 'only-b', passedA: null, passedB: null });
    expect(c.totals.passed).toEqual({ a: 2, b: 1, diff: -1 });
    expect(c.totals.attempts).toEqual({ a: 9, b: 6, diff: -3 });
    expect(c.totals.skipped).toEqual({ a: 0, b: 1, diff: 1 });
  });
});

describe('results files', () => {
  it('round-trip, and anything else is refused naming the file', async () => {
    const dir = await tempDir();
    const good = path.join(dir, 'sub', 'r.json');
    const r = results([row('x', 1, 'passed', 1, 10)]);
    await writeResults(good, r);
    expect(await readResults(good)).toEqual(r);
    const other = path.join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...r, cases: [{ suite: 'seeds' }] }));
    await expect(readResults(other)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/other\.json is not a factory eval results file \(cases\.0\.case: /),
    });
    await expect(readResults(path.join(dir, 'none.json'))).rejects.toMatchObject({ exitCode: 2 });
  });
});
