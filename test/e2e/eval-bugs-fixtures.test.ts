/**
 * The bug suite of `factory eval` (fixtures/eval/bugs/<case>/): every case is a small repository
 * whose check fails on exactly one test, whose hidden verify test fails too, and which both pass
 * once its known fix (fix.patch) is applied. Every case's script.json is a scripted-server solution
 * that plays out through `factory task`, in the number of attempts it was written for, and leaves
 * a tree that passes the verify command.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cleanupTemps, makeRepo, projectRoot, sh, tempDir } from '../helpers/git-repo.js';
import { loadScript } from '../../src/scripted-server/script.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { readTaskFile } from '../../src/tasks/task-file.js';
import { e2eRepo, inProcessServer, MODEL, runJson } from './support.js';

const SUITE = path.join(projectRoot, 'fixtures/eval/bugs');
const CASES = readdirSync(SUITE)
  .filter((name) => statSync(path.join(SUITE, name)).isDirectory())
  .sort();

/** The format agreed with `factory eval`. */
const caseSchema = z.strictObject({
  title: z.string().min(1),
  language: z.enum(['python', 'javascript', 'typescript']),
  kind: z.string().min(1),
  verify: z.string().min(1),
  needs: z.array(z.string().min(1)).optional(),
});

const caseDir = (name: string) => path.join(SUITE, name);
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const caseOf = (name: string) => caseSchema.parse(readJson(path.join(caseDir(name), 'case.json')));
/** The script as the scripted server reads it (its own schema; throws on a bad one). */
const scriptOf = (name: string) => loadScript(path.join(caseDir(name), 'script.json'));
type Script = ReturnType<typeof scriptOf>;

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, entry.name);
    if (entry.isDirectory()) Object.assign(out, filesUnder(dir, p));
    else out[p] = readFileSync(path.join(dir, p), 'utf8');
  }
  return out;
}

/** The project's tsc first on PATH, as a user's own `npm install` would provide it. */
const PATH = `${path.join(projectRoot, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`;

const onPath = (command: string) =>
  PATH.split(path.delimiter).some((d) => d && existsSync(path.join(d, command)));

interface Ran {
  code: number;
  output: string;
}

/** A shell command in `cwd`, as the eval runs check and verify; settles when it has exited. */
function run(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: { ...clean, NO_COLOR: '1', PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * What the runner's summary says: node --test (TAP when not on a terminal), unittest, or tsc's
 * errors when the compile stopped the check before any test ran.
 */
function summary(output: string): { tests?: number; failed: number } {
  const tap = /^# tests (\d+)$[\s\S]*^# fail (\d+)$/m.exec(output);
  if (tap) return { tests: Number(tap[1]), failed: Number(tap[2]) };
  const ran = /^Ran (\d+) tests? in /m.exec(output);
  if (ran) {
    const failed = /^FAILED \((.*)\)$/m.exec(output)?.[1] ?? '';
    const count = (what: string) => Number(new RegExp(`${what}=(\\d+)`).exec(failed)?.[1] ?? 0);
    return { tests: Number(ran[1]), failed: count('failures') + count('errors') };
  }
  const tsc = output.match(/error TS\d+:/g);
  if (tsc) return { failed: tsc.length };
  throw new Error(`no test summary in the output:\n${output}`);
}

/** The phrase of the task description every reply of a case's script matches on. */
const phraseOf = (script: Script) => {
  const first = script.replies[0]?.match;
  return typeof first === 'object' ? (first.user ?? '') : '';
};

/** Attempts the script needs: 2 when a Coder reply waits for the Sheriff's suggested fix. */
const attemptsOf = (script: Script) =>
  script.replies.some(
    (r) => typeof r.match === 'object' && r.match.system?.includes('Coder') && r.match.regex,
  )
    ? 2
    : 1;

afterAll(cleanupTemps);

describe('the bug suite of factory eval', () => {
  it('holds 10 to 15 cases in Python, JavaScript and TypeScript, 3 or more solved at the second attempt', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10);
    expect(CASES.length).toBeLessThanOrEqual(15);
    const languages = CASES.map((c) => caseOf(c).language);
    for (const language of ['python', 'javascript', 'typescript'])
      expect(languages.filter((l) => l === language).length, language).toBeGreaterThanOrEqual(3);
    expect(CASES.filter((c) => attemptsOf(scriptOf(c)) === 2).length).toBeGreaterThanOrEqual(3);
  });

  it.each(CASES)('%s: case.json, task.yaml, verify/ and script.json are well formed', async (name) => {
    const dir = caseDir(name);
    const spec = caseOf(name);
    expect(existsSync(path.join(dir, 'fix.patch'))).toBe(true);
    for (const file of spec.verify.match(/\$FACTORY_EVAL_CASE\/([\w./-]+)/g) ?? [])
      expect(existsSync(path.join(dir, file.slice('$FACTORY_EVAL_CASE/'.length))), file).toBe(true);

    // Small: 2 to 6 source files (besides tests and empty package markers), 30 to 150 lines in all.
    const sources = Object.entries(filesUnder(path.join(dir, 'repo'))).filter(
      ([file, text]) => /\.(py|js|ts)$/.test(file) && !/^tests?\//.test(file) && text.trim() !== '',
    );
    expect(sources.length).toBeGreaterThanOrEqual(2);
    expect(sources.length).toBeLessThanOrEqual(6);
    const lines = sources.reduce((n, [, text]) => n + text.trimEnd().split('\n').length, 0);
    expect(lines).toBeGreaterThanOrEqual(30);
    expect(lines).toBeLessThanOrEqual(150);

    const tasks = await readTaskFile(path.join(dir, 'task.yaml'));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.check).toMatch(/\S/);

    // Stateless: scripts are concatenated into one server script, and runs repeat.
    const raw = readFileSync(path.join(dir, 'script.json'), 'utf8');
    expect(raw).not.toMatch(/"once"/);
    const script = scriptOf(name);
    const phrase = phraseOf(script);
    expect(phrase.length).toBeGreaterThan(10);
    for (const reply of script.replies) {
      expect(reply.match).toMatchObject({ user: phrase });
      expect(['You are the Coder', 'You are the Sheriff']).toContain(
        (reply.match as { system?: string }).system,
      );
    }
    // The phrase is this task's own: no other case's task or files hold it.
    expect(tasks[0]!.description).toContain(phrase);
    for (const other of CASES.filter((c) => c !== name)) {
      const texts = [readFileSync(path.join(caseDir(other), 'task.yaml'), 'utf8')];
      texts.push(...Object.values(filesUnder(path.join(caseDir(other), 'repo'))));
      expect(
        texts.some((t) => t.includes(phrase)),
        `${other} holds "${phrase}"`,
      ).toBe(false);
    }
  });

  describe.each(CASES)('%s', (name) => {
    const dir = caseDir(name);
    const spec = caseOf(name);
    const missing = (spec.needs ?? []).filter((c) => !onPath(c));

    it.skipIf(missing.length > 0)(
      `fails one test before the known fix and passes after it, the hidden verify too${missing.length ? ` (needs ${missing.join(', ')})` : ''}`,
      async () => {
        const [task] = await readTaskFile(path.join(dir, 'task.yaml'));
        const check = task!.check!;
        const repo = await makeRepo(filesUnder(path.join(dir, 'repo')));
        const env = { FACTORY_EVAL_CASE: dir };

        const before = await run(check, repo);
        expect(before.code, before.output).not.toBe(0);
        const broken = summary(before.output);
        expect(broken.failed, before.output).toBe(1);
        if (broken.tests !== undefined) {
          expect(broken.tests).toBeGreaterThanOrEqual(3);
          expect(broken.tests).toBeLessThanOrEqual(8);
        }
        const verifyBefore = await run(spec.verify, repo, env);
        expect(verifyBefore.code, verifyBefore.output).not.toBe(0);

        sh(repo, 'apply', path.join(dir, 'fix.patch'));
        const patched = sh(repo, 'diff', '--name-only');
        const after = await run(check, repo);
        expect(after.code, after.output).toBe(0);
        const fixed = summary(after.output);
        expect(fixed.failed).toBe(0);
        expect(fixed.tests).toBeGreaterThanOrEqual(3);
        expect(fixed.tests).toBeLessThanOrEqual(8);
        const verifyAfter = await run(spec.verify, repo, env);
        expect(verifyAfter.code, verifyAfter.output).toBe(0);
        // The check and verify leave nothing behind but what the fix changed (builds are ignored).
        expect(sh(repo, 'status', '--porcelain', '--untracked-files=all')).toBe(
          patched
            .split('\n')
            .map((f) => ` M ${f}`)
            .join('\n'),
        );
      },
      300_000,
    );
  });
});

describe('the scripted solutions of the bug suite, all in one server script', () => {
  let server: ScriptedServer;

  beforeAll(async () => {
    const replies = CASES.flatMap((c) => scriptOf(c).replies);
    server = await startScriptedServer({
      script: { replies, default: { content: '(no scripted reply fits)' } },
      dialect: 'mlx',
      model: MODEL,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  describe.each(CASES)('%s', (name) => {
    const dir = caseDir(name);
    const spec = caseOf(name);
    const missing = (spec.needs ?? []).filter((c) => !onPath(c));

    it.skipIf(missing.length > 0)(
      `factory task solves it in the attempts its script is written for, and verify passes${missing.length ? ` (needs ${missing.join(', ')})` : ''}`,
      async () => {
        const repo = await e2eRepo(filesUnder(path.join(dir, 'repo')), {
          server: inProcessServer(server),
          // The checkout's own tsc (node_modules/.bin on PATH) must be visible in the check's
          // sandbox, whose private /tmp hides a checkout under /tmp (as in a CI clone).
          sandbox: { readable: [path.join(projectRoot, 'node_modules')] },
        });
        const state = await tempDir('factory-e2e-state-');
        const result = await runJson(repo.dir, ['task', '-t', path.join(dir, 'task.yaml')], {
          PATH,
          FACTORY_STATE_DIR: state,
        });
        expect(result.code, result.stderr).toBe(0);
        expect(result.outcomes).toHaveLength(1);
        const [outcome] = result.outcomes;
        expect(outcome).toMatchObject({ outcome: 'passed', attempts: attemptsOf(scriptOf(name)) });

        const final = path.join(await tempDir('factory-eval-final-'), 'tree');
        sh(repo.dir, 'worktree', 'add', '--detach', final, outcome!.branch);
        const verify = await run(spec.verify, final, { FACTORY_EVAL_CASE: dir });
        expect(verify.code, verify.output).toBe(0);
      },
      300_000,
    );
  });
});
