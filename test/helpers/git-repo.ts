import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { tempFolder, type TempFolder } from './tmp.js';

const cleanEnv = () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
};

/** Runs real git for test setup and assertions (the product has its own runner). */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).replace(/\n$/, '');
}

const temps: TempFolder[] = [];

/** A fresh real-path folder, removed by `cleanupTemps()` or, at the latest, when the process exits. */
export async function tempDir(prefix = 'factory-test-'): Promise<string> {
  const d = await tempFolder(prefix);
  temps.push(d);
  return d.path;
}

export async function cleanupTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => d.remove()));
}

/** A fresh repo with the given files committed on `main`. */
export async function makeRepo(files: Record<string, string> = { 'README.md': '# demo\n' }): Promise<string> {
  const dir = await tempDir();
  sh(dir, 'init', '-q', '-b', 'main');
  sh(dir, 'config', 'user.name', 'Test User');
  sh(dir, 'config', 'user.email', 'test@example.com');
  await writeFiles(dir, files);
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
}

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliEntry = path.join(projectRoot, 'src/cli/main.ts');
/** tsx resolved from this project, so the CLI runs from any cwd without a build step. */
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process, the way a user would. */
export function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, cliEntry, ...args], {
      cwd,
      env: { ...cleanEnv(), NO_COLOR: '1', XDG_CONFIG_HOME: path.join(cwd, '.no-user-config'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
