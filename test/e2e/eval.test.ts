/**
 * `factory eval` end to end: the seed suite through the real CLI and runner against the scripted
 * server serving the seeds' own scripts at once: the table, the results file, `--compare`,
 * `--repeat`, Ctrl-C, and the refusals.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { freePort } from '../helpers/server-env.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { resultsSchema, type EvalResults } from '../../src/eval/results.js';
import { cli, e2eRepo, exitWithin, killSpawned, MODEL, spawnCli, waitFor } from './support.js';

const SEEDS = path.join(projectRoot, 'fixtures/eval/seeds');
const SCRIPTS = ['calendar', 'csv-revenue', 'mlp'].map((c) => path.join(SEEDS, c, 'script.json'));
/** The attempts each seed's script takes to solve it. */
const SCRIPTED_ATTEMPTS = { calendar: 1, 'csv-revenue': 3, mlp: 2 };

let server: ScriptedServer;
let repo: { dir: string };
let out: string;

const readResults = (file: string): EvalResults =>
  resultsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

/** Processes whose working directory is inside one of the eval's temporary repositories. */
function evalProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).includes('factory-eval-')) found.push(pid);
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

beforeAll(async () => {
  server = await startScriptedServer({ script: SCRIPTS, dialect: 'mlx', model: MODEL });
  repo = await e2eRepo(
    {},
    {
      server: { baseURL: server.baseURL, model: MODEL, command: null },
      agent: { tools: 'text' },
      parallel: 2,
    },
  );
  out = await tempDir('eval-results-');
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => killSpawned());

describe('factory eval --suite seeds against the seeds’ scripts', () => {
  let first: EvalResults;

  it('prints the table with the published figures beside the run’s and saves consistent figures', async () => {
    const file = path.join(out, 'a.json');
    const r = await cli(repo.dir, ['eval', '--suite', 'seeds', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`results: ${file}`);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('SUITE'))!;
    for (const col of [
      'PASSED',
      'ATTEMPTS',
      'WALL',
      'MODEL (TTFT/GEN)',
      'TOK IN/OUT/CACHED',
      'TOK/S',
      'CHECK',
      'OVERHEAD',
      'PUBLISHED',
    ])
      expect(header).toContain(col);
    expect(lines.find((l) => /^seeds\s+calendar\s+yes\s+1\s/.test(l))).toMatch(/1 \/ 22 s$/);
    expect(lines.find((l) => /^seeds\s+csv-revenue\s+yes\s+3\s/.test(l))).toMatch(/3 \/ 159 s$/);
    expect(lines.find((l) => /^seeds\s+mlp\s+yes\s+2\s/.test(l))).toMatch(/2 \/ 50 s$/);
    expect(lines.find((l) => l.startsWith('total'))).toMatch(/^total\s+3 cases\s+3\/3\s+6\s/);

    first = readResults(file);
    expect(first).toMatchObject({
      format: 'factory-eval/1',
      suite: 'seeds',
      repeat: 1,
      model: MODEL,
      server: { baseURL: server.baseURL, flavor: null },
      quantization: null,
      interrupted: false,
      settings: { tools: 'text', maxAttempts: 5, parallel: 2, overrides: {} },
    });
    expect(first.factoryVersion).toBe(
      JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version,
    );
    expect(first.cases.map((c) => [c.case, c.status, c.attempts])).toEqual(
      Object.entries(SCRIPTED_ATTEMPTS).map(([name, attempts]) => [name, 'passed', attempts]),
    );
    for (const c of first.cases) {
      const f = c.figures!;
      expect(c.verify).toMatchObject({ exitCode: 0 });
      expect(c.outcome).toBe('passed');
      // A Coder and a Sheriff request per attempt, each timed and counted.
      expect(f.requests).toBe(2 * c.attempts);
      expect(f.modelMs).toBe(f.firstTokenMs + f.generationMs);
      expect(f.overheadMs).toBe(f.wallMs - f.modelMs - f.checkMs);
      expect(f.checkMs).toBeGreaterThan(0);
      expect(f.promptTokens).toBeGreaterThan(0);
      expect(f.completionTokens).toBeGreaterThan(0);
      expect(f.cachedTokens).toBeNull();
      expect(f.wallMs).toBeGreaterThanOrEqual(f.modelMs + f.checkMs);
    }
    expect(first.cases.map((c) => c.published)).toEqual([
      { attempts: 1, seconds: 22 },
      { attempts: 3, seconds: 159 },
      { attempts: 2, seconds: 50 },
    ]);
  });

  it('--set applies to this eval only, and --compare shows what it changed', async () => {
    expect(first).toBeDefined();
    const file = path.join(out, 'b.json');
    const r = await cli(repo.dir, ['eval', '--json', '--set', 'agent.maxAttempts=2', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const second = resultsSchema.parse(JSON.parse(r.stdout));
    expect(second).toEqual(readResults(file));
    expect(second.settings).toMatchObject({ maxAttempts: 2, overrides: { 'agent.maxAttempts': '2' } });
    // The CSV case needs three attempts: with two it fails.
    expect(second.cases.map((c) => [c.case, c.status, c.attempts])).toEqual([
      ['calendar', 'passed', 1],
      ['csv-revenue', 'failed', 2],
      ['mlp', 'passed', 2],
    ]);
    // The repository's own configuration is unchanged.
    expect(JSON.parse(readFileSync(path.join(repo.dir, '.factoryrc.json'), 'utf8')).agent).toEqual({
      tools: 'text',
    });

    const a = path.join(out, 'a.json');
    const text = await cli(repo.dir, ['eval', '--compare', a, file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('--set agent.maxAttempts=2');
    expect(text.stdout).toMatch(/csv-revenue\s+1\/1 -> 0\/1 \(LOST\)\s+3 -> 2 \(-1\)/);
    expect(text.stdout).toMatch(/calendar\s+1\/1 -> 1\/1\s+1 -> 1 \(±0\)/);
    expect(text.stdout).toMatch(/^total\s+3\/3 -> 2\/3\s+6 -> 5 \(-1\)/m);
    const json = await cli(repo.dir, ['eval', '--compare', a, file, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const diff = JSON.parse(json.stdout);
    expect(diff.cases.find((c: { case: string }) => c.case === 'csv-revenue')).toMatchObject({
      pass: 'lost',
      attempts: { a: 3, b: 2, diff: -1 },
    });
    expect(diff.totals.passed).toEqual({ a: 3, b: 2, diff: -1 });
  });

  it('--repeat 2 runs every case twice and reports pass counts and medians', async () => {
    const file = path.join(out, 'repeat.json');
    const r = await cli(repo.dir, ['eval', '--repeat', '2', '--out', file], {}, 300_000);
    expect(r.code, r.stderr).toBe(0);
    const res = readResults(file);
    expect(res.repeat).toBe(2);
    expect(res.cases.map((c) => `${c.case}#${c.run}:${c.status}`).sort()).toEqual(
      ['calendar#1', 'calendar#2', 'csv-revenue#1', 'csv-revenue#2', 'mlp#1', 'mlp#2'].map(
        (x) => `${x}:passed`,
      ),
    );
    expect(r.stdout).toMatch(/^seeds\s+csv-revenue\s+2\/2\s+3\s/m);
    expect(r.stdout).toContain('figures are medians over 2 runs');
    expect(r.stdout).toMatch(/^total\s+3 cases\s+6\/6\s+12\s/m);
  });
});

describe.skipIf(!hasTmux)('factory eval on a terminal (tmux)', () => {
  const tmux = new TmuxSession();
  afterAll(() => tmux.kill());

  it('shows a live table redrawn in place, one row per case, then the results table', async () => {
    const file = path.join(out, 'tty.json');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const env = `XDG_CONFIG_HOME=${q(path.join(repo.dir, '.no-user-config'))}`;
    const main = path.join(projectRoot, 'src/cli/main.ts');
    const command = `env -u CI ${env} ${q(process.execPath)} --import ${q(tsxLoader)} ${q(main)} eval --out ${q(file)}; echo EXITED $?; sleep 60`;
    tmux.start(command, { cwd: repo.dir, columns: 200, rows: 50 });
    const screen = await tmux.waitFor(/EXITED \d+/, 150_000);
    expect(screen).toContain('EXITED 0');
    // The live rows were redrawn, not appended: each case's row is on the screen once, in its final state.
    for (const [name, attempts] of Object.entries(SCRIPTED_ATTEMPTS)) {
      const rows = screen.split('\n').filter((l) => l.startsWith(`seeds/${name} `));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`passed, ${attempts} attempts?, \\d+\\.\\ds`));
    }
    expect(screen).not.toContain('eval seeds/calendar: starting');
    expect(screen).toMatch(/^seeds\s+calendar\s+yes\s+1\s/m);
    expect(screen).toContain(`results: ${file}`);
  });
});

describe('factory eval stopped by Ctrl-C', () => {
  it('keeps the finished cases, marks the others interrupted, exits as a cancelled task does, leaves nothing running', async () => {
    const file = path.join(out, 'cancelled.json');
    // One case at a time: the calendar finishes, then Ctrl-C comes while the CSV case runs.
    const run = spawnCli(repo.dir, ['eval', '--set', 'parallel=1', '--out', file]);
    await waitFor('the CSV case to start', 150_000, () =>
      /eval seeds\/csv-revenue: attempt 1: coder/.test(run.stderr()),
    );
    run.child.kill('SIGINT');
    const r = await exitWithin(run, 150_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `stopped by Ctrl-C: the 1 finished run are saved in ${file}; the 2 others are marked interrupted`,
    );
    const res = readResults(file);
    expect(res.interrupted).toBe(true);
    expect(res.cases.map((c) => [c.case, c.status])).toEqual([
      ['calendar', 'passed'],
      ['csv-revenue', 'interrupted'],
      ['mlp', 'interrupted'],
    ]);
    expect(res.cases[2]!.reason).toBe('the eval was stopped before this case started');
    expect(r.stdout).toMatch(/^seeds\s+mlp\s+interrupted/m);
    expect(evalProcesses()).toEqual([]);
  });
});

describe('factory eval refuses', () => {
  const refused = async (args: string[], message: RegExp, code = 2) => {
    const r = await cli(repo.dir, args);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  };

  it('an unknown suite', () =>
    refused(['eval', '--suite', 'nope'], /unknown suite "nope" — choose one of seeds, bugs, all/));

  it('a --set key or value the configuration does not know', async () => {
    await refused(['eval', '--set', 'agent.nope=1'], /--set agent\.nope/);
    await refused(['eval', '--set', 'agent.tools=sometimes'], /--set agent\.tools/);
    await refused(['eval', '--set', 'novalue'], /--set novalue: expected key=value/);
  });

  it('a compare file that is missing, not JSON, or not eval results', async () => {
    const a = path.join(out, 'a.json');
    const junk = path.join(out, 'junk.txt');
    const foreign = path.join(out, 'foreign.json');
    writeFileSync(junk, 'not json');
    writeFileSync(foreign, '{"format":"something-else","cases":[]}');
    await refused(
      ['eval', '--compare', a, path.join(out, 'missing.json')],
      /cannot read .*missing\.json: no such file/,
    );
    await refused(['eval', '--compare', a, junk], /junk\.txt is not JSON/);
    await refused(
      ['eval', '--compare', foreign, a],
      /foreign\.json is not a factory eval results file \(format:/,
    );
    await refused(['eval', '--compare', a], /--compare takes two results files/);
  });

  it('when no inference server answers (the exit code of an unreachable server)', async () => {
    const port = await freePort();
    const lonely = await e2eRepo(
      {},
      { server: { baseURL: `http://127.0.0.1:${port}/v1`, model: MODEL, command: null } },
    );
    const r = await cli(lonely.dir, ['eval', '--out', path.join(out, 'never.json')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no inference server answers at http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(existsSync(path.join(out, 'never.json'))).toBe(false);
  });
});
