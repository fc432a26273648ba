import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
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
    // Resolves on any machine: the published schema of this version, never a path into this checkout.
    expect(rc.$schema).toBe(`https://unpkg.com/factory-agent@${VERSION}/schema.json`);
    expect(JSON.stringify(rc)).not.toContain(ROOT.replace(/\/$/, ''));
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
    const dir = await repo({ 'node_modules/factory-agent/schema.json': '{}', 'package.json': '{}' });
    expect((await factory(dir, ['init'])).code).toBe(0);
    const rc = await rcOf(dir);
    expect(rc.$schema).toBe('./node_modules/factory-agent/schema.json');
  });

  it('says in one line on stderr what to do when it detects no check, also under --json', async () => {
    const dir = await repo({ 'README.md': '# x\n', 'pyproject.toml': '[project]\nname = "x"\n' });
    const r = await factory(dir, ['init']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${path.join(dir, '.factoryrc.json')} (no check)`);
    expect(r.stderr).toBe(
      'factory: no check command detected (no npm test script, pytest project, Cargo.toml, go.mod or make ' +
        'test target); set it with: factory config --set check="<the command that runs your tests>"\n',
    );
    expect((await rcOf(dir)).check).toBeNull();
    const json = await factory(dir, ['init', '--force', '--json']);
    expect(JSON.parse(json.stdout).config.check).toBeNull();
    expect(json.stderr).toContain('no check command detected');
  });

  it('detects a pytest project from a top-level test file', async () => {
    const dir = await repo({ 'test_app.py': 'def test_a():\n    assert True\n' });
    const r = await factory(dir, ['init']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('(check: pytest)');
    expect((await rcOf(dir)).check).toBe('pytest');
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

    const json = await factory(dir, ['config', '--json'], { ...env, FACTORY_PARALLEL: '4' });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const { config, sources } = JSON.parse(json.stdout);
    expect(config.agent.maxAttempts).toBe(8);
    expect(config.server.model).toBe('env-model');
    expect(config.parallel).toBe(4);
    expect(sources).toMatchObject({
      'agent.maxAttempts': '.factoryrc.json',
      'server.model': 'env FACTORY_MODEL',
      parallel: 'env FACTORY_PARALLEL',
      check: 'default',
    });

    const text = await factory(dir, ['config'], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(42);
    expect(lines).toContainEqual(expect.stringMatching(/^visual = null +\(default\)$/));
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

/** The environment of a user whose config lives under `home` (no FACTORY_CONFIG override). */
function userEnv(home: string, xdg?: string): NodeJS.ProcessEnv {
  const env = cleanEnv(home);
  delete env.FACTORY_CONFIG;
  delete env.XDG_CONFIG_HOME;
  env.HOME = home;
  if (xdg) env.XDG_CONFIG_HOME = xdg;
  return env;
}

/** Runs factory with exactly `env` (factory() would add FACTORY_CONFIG back). */
function factoryWith(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('factory config --set (writes a config file, like git config)', () => {
  it("writes the repo's .factoryrc.json from any subdirectory, keeping its other keys", async () => {
    const dir = await repo({ 'sub/a.txt': 'a' });
    const file = path.join(dir, '.factoryrc.json');
    await writeFile(file, '{"$schema": "./x.json", "check": "npm test"}\n');
    const r = await factory(path.join(dir, 'sub'), [
      'config',
      '--set',
      'agent.maxAttempts=3',
      '--set',
      'check=pytest -q',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}: agent.maxAttempts = 3\n${file}: check = "pytest -q"\n`);
    expect(await readFile(file, 'utf8')).toBe(
      '{\n  "$schema": "./x.json",\n  "check": "pytest -q",\n  "agent": {\n    "maxAttempts": 3\n  }\n}\n',
    );
    const shown = JSON.parse((await factory(dir, ['config', '--json'])).stdout);
    expect(shown.config.agent.maxAttempts).toBe(3);
    expect(shown.sources['agent.maxAttempts']).toBe('.factoryrc.json');

    const json = await factory(dir, ['config', '--set', 'parallel=4', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ path: file, set: { parallel: 4 } });
  });

  it('exits 2 naming the field of a bad key or value, and leaves the file as it was', async () => {
    const dir = await repo();
    const file = path.join(dir, '.factoryrc.json');
    await writeFile(file, '{ "check":"make test" }');
    const r = await factory(dir, ['config', '--set', 'agent.maxAttempts=many']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^factory: --set agent\.maxAttempts: agent\.maxAttempts: .*got "many"/);
    expect(await readFile(file, 'utf8')).toBe('{ "check":"make test" }');
    expect(r.stdout).toBe('');
  });

  it('--user writes the user config under XDG_CONFIG_HOME, else ~/.config, and not the repo', async () => {
    const home = await tempDir();
    const dir = await repo();
    const xdg = path.join(home, 'xdg');
    const a = await factoryWith(
      dir,
      ['config', '--user', '--set', 'server.model=my-model'],
      userEnv(home, xdg),
    );
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const xdgFile = path.join(xdg, 'factory', 'config.json');
    expect(JSON.parse(await readFile(xdgFile, 'utf8'))).toEqual({ server: { model: 'my-model' } });

    const b = await factoryWith(home, ['config', '--user', '--set', 'parallel=3'], userEnv(home));
    expect(b.code).toBe(0);
    const homeFile = path.join(home, '.config', 'factory', 'config.json');
    expect(JSON.parse(await readFile(homeFile, 'utf8'))).toEqual({ parallel: 3 });
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' }).stdout).toBe('');

    // The loader reads it back, from the user layer.
    const shown = JSON.parse((await factoryWith(dir, ['config', '--json'], userEnv(home, xdg))).stdout);
    expect(shown.config.server.model).toBe('my-model');
    expect(shown.sources['server.model']).toBe(xdgFile);
  });

  it('refuses --set outside a repository (pointing at --user) and --user without --set', async () => {
    const home = await tempDir();
    const r = await factoryWith(home, ['config', '--set', 'parallel=2'], userEnv(home));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^factory: not in a git repository: .*use --user/);
    const lone = await factoryWith(home, ['config', '--user'], userEnv(home));
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain('--user goes with --set');
    expect(spawnSync('ls', ['-A', home], { encoding: 'utf8' }).stdout).toBe('');
  });
});
