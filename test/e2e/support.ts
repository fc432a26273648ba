/**
 * Shared pieces of the end-to-end tests: a repo with a committed .factoryrc.json, the scripted
 * server either in this process (`server.command: null`) or as the model server that `factory task`
 * starts by itself, the CLI as a child process, and readers for what a run leaves in git.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { makeRepo, projectRoot, sh, tempDir, tsxLoader, type CliResult } from '../helpers/git-repo.js';
import { freePort, script as scriptPath, scriptedCommand } from '../helpers/server-env.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';

export const MODEL = 'scripted-model';

/** A repo whose files, .factoryrc.json included, are committed on main: its tree starts clean. */
export async function e2eRepo(
  files: Record<string, string>,
  config: Record<string, unknown>,
): Promise<{ dir: string; head: string }> {
  const dir = await makeRepo({ ...files, '.factoryrc.json': `${JSON.stringify(config, null, 2)}\n` });
  return { dir, head: sh(dir, 'rev-parse', 'HEAD') };
}

/** A tiny project with the off-by-one of the demo: its `node --test` fails until pages start at 1. */
export const PAGER_REPO = {
  'package.json': '{ "type": "module", "private": true }\n',
  'src/pager.js': [
    '/** The items on page `page` (pages are numbered from 1), `size` items per page. */',
    'export function paginate(items, page, size) {',
    '  const start = page * size;',
    '  return items.slice(start, start + size);',
    '}',
    '',
  ].join('\n'),
  'test/pager.test.js': [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { paginate } from '../src/pager.js';",
    '',
    "test('page 1 holds the first items', () => assert.deepEqual(paginate([1, 2, 3, 4, 5], 1, 2), [1, 2]));",
    "test('the last page may be short', () => assert.deepEqual(paginate([1, 2, 3, 4, 5], 3, 2), [5]));",
    '',
  ].join('\n'),
};

// ---------------------------------------------------------------------------------------------
// Servers

const inProcess: ScriptedServer[] = [];

/** The scripted server in this process; factory reaches it with its in-process queue. */
export async function startInProcess(dialect: Dialect, script: string): Promise<ScriptedServer> {
  const server = await startScriptedServer({ script: scriptPath(script), dialect, model: MODEL });
  inProcess.push(server);
  return server;
}

export async function closeInProcess(): Promise<void> {
  await Promise.all(inProcess.splice(0).map((s) => s.close()));
}

/** `server` settings for a scripted server already running in this process. */
export const inProcessServer = (server: ScriptedServer) => ({
  baseURL: server.baseURL,
  model: MODEL,
  command: null,
});

/** `server` settings that make `factory task` start the scripted server (and the queue front) itself. */
export async function autoServer(
  dialect: Dialect,
  script: string,
): Promise<{ server: Record<string, unknown>; env: NodeJS.ProcessEnv }> {
  const port = await freePort();
  const command = scriptedCommand([], script, dialect);
  // A private state dir: never a real server's, never another test's.
  const stateDir = await tempDir('factory-e2e-state-');
  return {
    server: { baseURL: `http://127.0.0.1:${port}/v1`, model: MODEL, command, idleShutdown: 1 },
    env: { FACTORY_STATE_DIR: stateDir },
  };
}

/** Stops a server `factory task` started (a no-op when none runs). */
export async function stopAutoServer(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await cli(dir, ['server', 'stop', '--grace', '1'], env);
  expect(r.code, r.stderr).toBe(0);
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface TaskOutcomeJson {
  id: number;
  title: string;
  branch: string;
  outcome: string;
  attempts: number;
  reason: string;
  tokens: number;
  added: number;
  removed: number;
  inferenceDown: boolean;
}

export interface TaskRun extends CliResult {
  outcomes: TaskOutcomeJson[];
  ms: number;
}

/** `factory <command> … --json` (task or resume), with the summary parsed. */
export async function runJson(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TaskRun> {
  const t0 = Date.now();
  const r = await cli(dir, [...args, '--json'], env);
  const ms = Date.now() - t0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`factory ${args.join(' ')} printed no JSON (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
  }
  const outcomes = (Array.isArray(parsed) ? parsed : [parsed]) as TaskOutcomeJson[];
  return { ...r, outcomes, ms };
}

const childEnv = (cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) out[k] = v;
  return { ...out, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(cwd, '.no-user-config'), ...env };
};

export interface SpawnedCli {
  child: ChildProcess;
  stderr: () => string;
  /** Settles when the process has exited and its pipes closed. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

const spawned = new Set<ChildProcess>();

/** The CLI as a child process the test can signal (runCli only waits for it). */
export function spawnCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts'), ...args],
    { cwd, env: childEnv(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  spawned.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b) => (stdout += b));
  child.stderr!.on('data', (b) => (stderr += b));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      spawned.delete(child);
      resolve({ code: code ?? 1, signal, stdout, stderr });
    });
  });
  return { child, stderr: () => stderr, done };
}

/** Kills what a failed test left running (the CLI runs the check in its own session: no orphans there). */
export function killSpawned(): void {
  for (const child of spawned) child.kill('SIGKILL');
  spawned.clear();
}

/**
 * The spawned CLI's result; when it does not exit within `ms` it is killed and the error shows
 * what it printed.
 */
export async function exitWithin(run: SpawnedCli, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within ${ms} ms\n${run.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([run.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI to its end, like runCli, but never longer than `ms` (a whole task on a loaded machine). */
export async function cli(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  ms = 150_000,
): Promise<CliResult> {
  const { code, stdout, stderr } = await exitWithin(spawnCli(dir, args, env), ms);
  return { code, stdout, stderr };
}

/** Polls `probe` every 25 ms until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | false): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---------------------------------------------------------------------------------------------
// What a run leaves behind

export interface TaskEvent {
  t: string;
  type: string;
  [key: string]: unknown;
}

export const taskDir = (dir: string, id: number) => path.join(dir, '.git/factory/tasks', String(id));
export const worktreeOf = (dir: string, id: number) => path.join(dir, '.git/factory/worktrees', String(id));

/** The task's event log, read straight from disk (cheap enough to poll). */
export function events(dir: string, id: number): TaskEvent[] {
  const file = path.join(taskDir(dir, id), 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as TaskEvent];
      } catch {
        return []; // a line being written while we poll
      }
    });
}

export interface FactoryCommit {
  sha: string;
  subject: string;
  trailers: Record<string, string>;
}

/** The commits of `branch` since `base`, oldest first, with their Factory-* trailers. */
export function branchCommits(dir: string, branch: string, base = 'main'): FactoryCommit[] {
  const raw = sh(dir, 'log', '--reverse', '--format=%H%x1f%s%x1f%B%x1e', `${base}..${branch}`);
  return raw
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [sha, subject, body] = r.split('\x1f') as [string, string, string];
      const trailers: Record<string, string> = {};
      for (const line of body.split('\n')) {
        const m = /^(Factory-[A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m) trailers[m[1]!] = m[2]!;
      }
      return { sha, subject, trailers };
    });
}

/**
 * One line per commit, from its trailers alone: `step 1.2.1 replace_in_file` or
 * `attempt 1.2 exit=0 verdict=PASS passed`. Also checks that every commit is a factory commit,
 * that attempt commits carry a duration and that each is what its attempt ref points at.
 */
export function commitShape(dir: string, branch: string, base = 'main'): string[] {
  return branchCommits(dir, branch, base).map((c) => {
    const t = c.trailers;
    expect(t['Factory-Task'], `${c.sha} ${c.subject}`).toMatch(/^\d+$/);
    if (t['Factory-Step'] !== undefined) {
      expect(c.subject).toMatch(
        new RegExp(`^factory: ${t['Factory-Task']}\\.${t['Factory-Attempt']}\\.${t['Factory-Step']} `),
      );
      return `step ${t['Factory-Task']}.${t['Factory-Attempt']}.${t['Factory-Step']} ${t['Factory-Tool']}`;
    }
    expect(t['Factory-Duration'], c.subject).toMatch(/^\d+ms$/);
    expect(sh(dir, 'rev-parse', `refs/factory/${t['Factory-Task']}/attempts/${t['Factory-Attempt']}`)).toBe(
      c.sha,
    );
    return `attempt ${t['Factory-Task']}.${t['Factory-Attempt']} exit=${t['Factory-Check-Exit']} verdict=${t['Factory-Verdict']} ${t['Factory-Outcome']}`;
  });
}

/** The user's tree: still on main at the same commit, nothing modified, nothing untracked. */
export function expectMainUntouched(dir: string, head: string): void {
  expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
  expect(sh(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
}

/** The task has its own worktree, checked out on its own branch. */
export function expectOwnWorktree(dir: string, id: number, branch: string): void {
  const wt = worktreeOf(dir, id);
  expect(existsSync(wt), wt).toBe(true);
  expect(sh(wt, 'symbolic-ref', '--short', 'HEAD')).toBe(branch);
  expect(sh(wt, 'status', '--porcelain')).toBe('');
}

/** The file as the task branch has it. */
export const fileOnBranch = (dir: string, branch: string, file: string) =>
  sh(dir, 'show', `${branch}:${file}`);

/** Text of the messages of a recorded chat request. */
export function messagesOf(body: unknown): { role: string; content: string }[] {
  const msgs = (body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  return msgs.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : '' }));
}

/** The recorded chat requests of one role ('Coder' or 'Sheriff'), oldest first. */
export function requestsOf(server: ScriptedServer, role: 'Coder' | 'Sheriff') {
  return server.requests.filter((r) =>
    messagesOf(r.body).some((m) => m.role === 'system' && m.content.startsWith(`You are the ${role}`)),
  );
}

/** The last user message of a recorded request. */
export const lastUser = (body: unknown) =>
  messagesOf(body)
    .filter((m) => m.role === 'user')
    .at(-1)?.content ?? '';
