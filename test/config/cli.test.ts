import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

/** The caller's environment without anything that would leak into git or the config layers. */
function cleanEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GIT_') && !k.startsWith('FACTORY_')) env[k] = v;
  }
  env.FACTORY_CONFIG = path.join(dir, 'no-user-config.json');
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function factory(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, ...args], { cwd, env: { ...cleanEnv(cwd), ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

function gitIn(dir: string, args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd: dir,
    env: cleanEnv(dir),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

async function repo(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir();
  gitIn(dir, ['init', '-q']);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  gitIn(dir, ['commit', '-q', '--allow-empty', '-m', 'base']);
  return dir;
}

const rcOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, '.factoryrc.json'), 'utf8'));

describe('factory init', () => {
  it('writes .factoryrc.json at the top level with the detected check', async () => {
    const dir = await repo({ 'go.mod': 'module x\n', 'sub/a.txt': 'a' });
    const r = await factory(path.join(dir, 'sub'), ['init']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(path.join(dir, '.factoryrc.json'));
    const rc = await rcOf(dir);
    expect(rc.check).toBe('go test ./...');
    expect(rc.server.baseURL).toBe('http://127.0.0.1:8080/v1');
    expect(rc.$schema).toBe(path.join(ROOT, 'schema.json'));
  });

  it('refuses to overwrite without --force, then overwrites with it', async () => {
    const dir = await repo({ 'Cargo.toml': '' });
    expect((await factory(dir, ['init'])).code).toBe(0);
    await writeFile(path.join(dir, '.factoryrc.json'), '{"check": "mine"}\n');

    const again = await factory(dir, ['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await rcOf(dir)).check).toBe('mine');

    const forced = await factory(dir, ['init', '--force', '--json']);
    expect(forced.code).toBe(0);
    const out = JSON.parse(forced.stdout);
    expect(out.path).toBe(path.join(dir, '.factoryrc.json'));
    expect(out.config.check).toBe('cargo test');
    expect((await rcOf(dir)).check).toBe('cargo test');
  });

  it('points $schema at the copy in node_modules when the repo has one', async () => {
    const dir = await repo({ 'node_modules/factory/schema.json': '{}' });
    expect((await factory(dir, ['init'])).code).toBe(0);
    const rc = await rcOf(dir);
    expect(rc.$schema).toBe('./node_modules/factory/schema.json');
    expect(rc.check).toBeNull();
  });

  it('refuses outside a git repository with exit 2 and one line', async () => {
    const dir = await tempDir();
    const r = await factory(dir, ['init']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a git repository/);
  });
});

describe('factory config', () => {
  it('shows each value with its source, as JSON and as text', async () => {
    const dir = await repo();
    await writeFile(path.join(dir, '.factoryrc.json'), JSON.stringify({ agent: { maxAttempts: 8 } }));
    const env = { FACTORY_MODEL: 'env-model' };

    const json = await factory(
      dir,
      ['config', '--json', '--set', 'parallel=4', '--set', 'worktree.copy=[".env"]'],
      env,
    );
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const { config, sources } = JSON.parse(json.stdout);
    expect(config.agent.maxAttempts).toBe(8);
    expect(config.server.model).toBe('env-model');
    expect(config.parallel).toBe(4);
    expect(config.worktree.copy).toEqual(['.env']);
    expect(sources).toMatchObject({
      'agent.maxAttempts': '.factoryrc.json',
      'server.model': 'env FACTORY_MODEL',
      parallel: 'flag --set parallel',
      check: 'default',
    });

    const text = await factory(dir, ['config'], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(35);
    expect(lines).toContainEqual(expect.stringMatching(/^agent\.maxAttempts = 8 +\(\.factoryrc\.json\)$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^server\.model = "env-model" +\(env FACTORY_MODEL\)$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^worktree\.dir = null +\(default\)$/));
  });

  it('exits 2 naming the file and field of a bad value', async () => {
    const dir = await repo();
    await writeFile(path.join(dir, '.factoryrc.json'), JSON.stringify({ agent: { maxAtempts: 3 } }));
    const r = await factory(dir, ['config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.factoryrc.json: agent.maxAtempts: unknown key; did you mean "maxAttempts"?');

    const bad = await factory(dir, ['config', '--set', 'nokeyvalue']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected key=value');
  });
});
