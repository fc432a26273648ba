/**
 * The CLI as users run it: `node dist/cli/main.js`, the bundle `npm run build` (scripts/build.mjs)
 * writes. dist/ is rebuilt when a source file or the build script is newer than it; test files
 * that build at the same time take turns through a lock folder, so two builds never write dist/
 * at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, type CliResult } from './git-repo.js';

export const builtCli = path.join(projectRoot, 'dist/cli/main.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.tsx?$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const buildScript = path.join(projectRoot, 'scripts/build.mjs');

const stale = () =>
  !existsSync(builtCli) ||
  statSync(builtCli).mtimeMs < Math.max(newest(path.join(projectRoot, 'src')), statSync(buildScript).mtimeMs);

const lockDir = path.join(
  os.tmpdir(),
  `factory-build-lock-${Buffer.from(projectRoot).toString('hex').slice(-32)}`,
);

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds dist/ when it is older than src/ (call from beforeAll with a long hook timeout). */
export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (!stale()) return;
    try {
      mkdirSync(lockDir);
    } catch {
      // Another test file is building: wait for it, unless it died holding the lock.
      if (existsSync(path.join(lockDir, 'pid')) && !holderAlive())
        rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      if (!stale()) return;
      // esbuild does not type-check: another file's type error does not stop these tests.
      const b = spawnSync(process.execPath, [buildScript], { cwd: projectRoot, encoding: 'utf8' });
      if (b.status !== 0 || !existsSync(builtCli))
        throw new Error(`npm run build failed (${b.status ?? b.signal}):\n${b.stderr}`);
      return;
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
  }
}

function childEnv(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) out[k] = v;
  return { ...out, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(cwd, '.no-user-config'), ...env };
}

export interface BuiltRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** Starts the built CLI; the test can signal it. */
export function spawnBuilt(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): BuiltRun {
  const child = spawn(process.execPath, [builtCli, ...args], {
    cwd,
    env: childEnv(cwd, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code: code ?? 1, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Runs the built CLI to its end; killed (and the test failed) if it takes longer than `ms`. */
export async function runBuilt(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  ms = 60_000,
): Promise<CliResult> {
  const run = spawnBuilt(cwd, args, env);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`factory ${args.join(' ')} did not exit within ${ms} ms\n${run.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([run.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills what a failed test left running. */
export function killBuilt(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

/** Control characters a terminal would obey; newlines and tabs are fine. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
