/**
 * factory as a new user gets it: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix, then `factory --help`, `factory demo`, `factory demo --keep` and `factory init` with
 * only that prefix's bin on PATH, a fresh HOME, a cwd outside the checkout and no NODE_PATH, so
 * nothing can resolve this checkout's node_modules or its dev dependencies.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-cli.js';
import { cleanupTemps, projectRoot, sh, tempDir, type CliResult } from '../helpers/git-repo.js';
import { startScriptedServer } from '../../src/scripted-server/index.js';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const checkout = projectRoot.replace(/\/$/, '');

/** Runs `cmd` with exactly `env`; killed (and the test failed) when it outlives `ms`. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  ms: number,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not exit within ${ms} ms\n${stdout}\n${stderr}`));
    }, ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** What npm needs to reach the registry (TLS roots, proxies); nothing of this test's npm run. */
function networkEnv(): NodeJS.ProcessEnv {
  const keep = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => keep.test(k)));
}

/** Where node and git live (the system's bin folders), never a node_modules/.bin. */
function systemPath(): string[] {
  const dirs = [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'];
  return [...new Set(dirs)].filter((d) => !d.includes('node_modules') && !d.startsWith(checkout));
}

let root: string;
let prefix: string;
let home: string;
let tmp: string;
let userEnv: NodeJS.ProcessEnv;
let installMs = 0;
let tarball: string;
let npmEnv: NodeJS.ProcessEnv;

/** `factory …` as the user types it: the installed bin, found on PATH. */
const factory = (cwd: string, args: string[], ms = 120_000) => run('factory', args, cwd, userEnv, ms);

beforeAll(async () => {
  await ensureBuilt();
  root = await tempDir('factory-install-');
  // The whole test lives outside the checkout: node's module resolution walks up from here.
  expect(root.startsWith(`${checkout}/`)).toBe(false);
  for (let d = root; d !== path.dirname(d); d = path.dirname(d))
    expect(existsSync(path.join(path.dirname(d), 'node_modules')), path.dirname(d)).toBe(false);
  prefix = path.join(root, 'prefix');
  home = path.join(root, 'home');
  tmp = path.join(root, 'tmp');
  await Promise.all([prefix, home, tmp].map((d) => mkdir(d)));

  npmEnv = {
    ...networkEnv(),
    PATH: systemPath().join(path.delimiter),
    HOME: home,
    // The machine's npm cache, so the dependencies come from it or from the registry.
    npm_config_cache: path.join(os.homedir(), '.npm'),
    npm_config_update_notifier: 'false',
  };
  // dist/ is up to date (ensureBuilt); --ignore-scripts so packing never rebuilds it under other tests.
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', root],
    projectRoot,
    npmEnv,
    120_000,
  );
  expect(packed.code, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const f of [
    'dist/cli/main.js',
    'dist/scripted-server/cli.js',
    'schema.json',
    'fixtures/demo-repo/src/pager.js',
    'fixtures/scripts/demo.json',
    'fixtures/eval/seeds/calendar/case.json',
    'fixtures/eval/seeds/mlp/verify/check.py',
  ])
    expect(files, f).toContain(f);
  // Only what the demo and `factory eval` need from fixtures/, and nothing of the tests or the sources.
  expect(
    files.filter((f) => /^(fixtures\/(?!demo-repo\/|eval\/|scripts\/demo\.json$)|test\/|src\/)/.test(f)),
  ).toEqual([]);

  tarball = path.join(root, info!.filename);
  const t0 = Date.now();
  const installed = await run(
    'npm',
    ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'],
    root,
    npmEnv,
    300_000,
  );
  installMs = Date.now() - t0;
  expect(installed.code, installed.stderr).toBe(0);
  // Nothing for the user to approve: the package runs no script when it is installed.
  expect(installed.stderr).not.toContain('install-scripts');

  userEnv = {
    PATH: [path.join(prefix, 'bin'), ...systemPath()].join(path.delimiter),
    HOME: home,
    TMPDIR: tmp,
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
  };
}, 600_000);

afterAll(async () => {
  process.stderr.write(`install-tarball: npm install of the tarball took ${installMs} ms\n`);
  await cleanupTemps();
});

/** The demo's summary table: the fix passed on its second attempt, the helper on its first. */
function expectBothPassed(stdout: string): void {
  expect(stdout).toMatch(/^1\s+passed\s+2\s/m);
  expect(stdout).toMatch(/^2\s+passed\s+1\s/m);
}

const demoFolders = () => readdirSync(tmp).filter((n) => n.startsWith('factory-demo-'));

describe('the packed package, installed into an empty prefix', () => {
  it('puts factory on PATH, from the prefix, with its help', async () => {
    const which = await run('sh', ['-c', 'command -v factory'], root, userEnv, 10_000);
    expect(which.stdout.trim()).toBe(path.join(prefix, 'bin', 'factory'));
    const target = realpathSync(path.join(prefix, 'bin', 'factory'));
    expect(target).toBe(path.join(realpathSync(prefix), 'lib/node_modules', pkg.name, 'dist/cli/main.js'));
    // The bundle is the whole program but for the visual check's browser driver, the one package
    // the install fetched; it resolves from the installed package, as the lazy import needs.
    const installed = path.join(prefix, 'lib/node_modules', pkg.name);
    expect(readdirSync(path.join(installed, 'node_modules')).filter((n) => n !== '.bin')).toEqual([
      'playwright-core',
    ]);
    const driver = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { chromium } = await import('playwright-core'); console.log(chromium.name())",
      ],
      installed,
      userEnv,
      30_000,
    );
    expect(driver.code, driver.stderr).toBe(0);
    expect(driver.stdout.trim()).toBe('chromium');

    const r = await factory(root, ['--help'], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: factory /);
    for (const cmd of ['demo', 'init', 'task', 'review', 'config']) expect(r.stdout).toContain(`  ${cmd}`);
    expect((await factory(root, ['--version'], 30_000)).stdout.trim()).toBe(pkg.version);
  });

  it('runs factory demo with the compiled demo model, then removes the demo repo', async () => {
    const r = await factory(root, ['demo']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expectBothPassed(r.stdout);
    expect(r.stdout).toContain('factory demo --keep');
    expect(r.stderr).toContain('a SCRIPTED model plays the Coder and the Sheriff');
    expect(demoFolders()).toEqual([]);
  });

  it('factory demo --keep leaves the demo repo with its task branches, ready for factory list', async () => {
    const r = await factory(root, ['demo', '--keep']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expectBothPassed(r.stdout);
    const [name] = demoFolders();
    expect(name).toBeDefined();
    const dir = realpathSync(path.join(tmp, name!));
    expect(r.stdout).toContain(`the demo repo stays at ${dir}`);
    expect(r.stdout).toContain(`  cd ${dir}\n`);
    // factory is on PATH here, so the hints need no alias.
    expect(r.stdout).not.toContain('alias factory=');
    const branches = sh(dir, 'branch', '--list', '--format=%(refname:short)', 'factory/*').split('\n');
    expect(branches).toHaveLength(2);
    expect(branches.every((b) => /^factory\/[12]-/.test(b))).toBe(true);
    expect(sh(dir, 'status', '--porcelain')).toBe('');

    const list = await factory(dir, ['list'], 30_000);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^1\s+passed/m);
    expect(list.stdout).toMatch(/^2\s+passed/m);
  });

  it('runs from npx too: the one bin of the package, whatever its name', async () => {
    // As `npx factory-agent --version` does with the published package.
    // `./`: npx reads a relative tarball path as a package, an absolute one as a command to run.
    const spec = `./${path.basename(tarball)}`;
    const r = await run('npx', ['--yes', '--prefer-offline', spec, '--version'], root, npmEnv, 300_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('factory init in a fresh repo writes a $schema that resolves on any machine', async () => {
    const repo = path.join(root, 'my-project');
    await mkdir(repo);
    await writeFile(path.join(repo, 'test_app.py'), 'def test_app():\n    assert True\n');
    const init = await run('git', ['init', '-q'], repo, userEnv, 30_000);
    expect(init.code, init.stderr).toBe(0);

    const r = await factory(repo, ['init'], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(check: pytest)');
    const text = readFileSync(path.join(repo, '.factoryrc.json'), 'utf8');
    const rc = JSON.parse(text) as { $schema: string; check: string };
    expect(rc.$schema).toBe(`https://unpkg.com/${pkg.name}@${pkg.version}/schema.json`);
    expect(rc.check).toBe('pytest');
    expect(text).not.toContain(checkout);
    expect(text).not.toContain(prefix);

    // What the README says comes next, as shown.
    const set = await factory(repo, ['config', '--set', 'check=python3 -m pytest -q'], 30_000);
    expect(set.code, set.stderr).toBe(0);
    expect(
      (JSON.parse(readFileSync(path.join(repo, '.factoryrc.json'), 'utf8')) as { check: string }).check,
    ).toBe('python3 -m pytest -q');
  });

  it('factory eval runs the seed suite shipped in the package', async () => {
    const server = await startScriptedServer({
      script: ['calendar', 'csv-revenue', 'mlp'].map((c) =>
        path.join(projectRoot, 'fixtures/eval/seeds', c, 'script.json'),
      ),
      dialect: 'mlx',
    });
    try {
      const repo = path.join(root, 'eval-here');
      await mkdir(repo);
      sh(repo, 'init', '-q');
      const config = {
        server: { baseURL: server.baseURL, model: 'scripted-model', command: null },
        agent: { tools: 'text' },
      };
      await writeFile(path.join(repo, '.factoryrc.json'), JSON.stringify(config));
      const out = path.join(root, 'eval.json');
      // The MLP case runs numpy: the python3 that has it (CI installs it for the system's).
      const python = spawnSync('python3', ['-c', 'import numpy, sys; print(sys.executable)'], {
        encoding: 'utf8',
      });
      expect(python.status, 'python3 with numpy').toBe(0);
      const env = {
        ...userEnv,
        PATH: `${path.dirname(python.stdout.trim())}${path.delimiter}${userEnv.PATH}`,
      };
      const r = await run('factory', ['eval', '--json', '--out', out], repo, env, 300_000);
      expect(r.code, r.stderr).toBe(0);
      const results = JSON.parse(readFileSync(out, 'utf8')) as {
        cases: { case: string; status: string; reason: string }[];
      };
      expect(
        results.cases.map((c) => `${c.case}:${c.status}`),
        results.cases.map((c) => `${c.case}: ${c.reason}`).join('\n'),
      ).toEqual(['calendar:passed', 'csv-revenue:passed', 'mlp:passed']);
    } finally {
      await server.close();
    }
  });
});
