/**
 * Where bwrap cannot create namespaces (some containers), "auto" runs unsandboxed and says so at
 * the start of the run; "bwrap" asked for by name is refused before anything is created. A fake
 * `bwrap` on PATH fails the way the real one does there.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox } from '../../src/agent/os-sandbox/index.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import {
  cli,
  closeInProcess,
  e2eRepo,
  events,
  inProcessServer,
  runJson,
  startInProcess,
  taskDir,
} from '../e2e/support.js';

const REAL_ERROR = 'bwrap: Creating new namespace failed: Operation not permitted';
let fakeBin: string;
let canaryDir: TempFolder;
let canary: string;
let server: ScriptedServer;

beforeAll(async () => {
  fakeBin = await tempDir('factory-sbx-fakebin-');
  writeFileSync(path.join(fakeBin, 'bwrap'), `#!/bin/sh\necho '${REAL_ERROR}' >&2\nexit 1\n`, {
    mode: 0o755,
  });
  // Not under /tmp: a sandboxed check has a private /tmp.
  canaryDir = await tempFolder('factory-sbx-fallback', '/var/tmp');
  canary = canaryDir.path;
  server = await startInProcess('mlx', 'hello.json');
});

afterAll(async () => {
  await closeInProcess();
  await canaryDir?.remove();
  await cleanupTemps();
});

const pathWithFake = () => `${fakeBin}${path.delimiter}${process.env.PATH}`;

describe('trust: sandbox fallback when bwrap cannot create namespaces', () => {
  it('auto falls back to none with a notice that quotes the error', () => {
    const d = detectSandbox('auto', { platform: 'linux', env: { PATH: pathWithFake() } });
    expect(d.kind).toBe('none');
    expect(d.notice).toContain(REAL_ERROR);
    expect(d.notice).toContain('unsandboxed');
  });

  it('a bwrap that cannot even be started falls back with the reason it did not start', async () => {
    const broken = await tempDir('factory-sbx-badbin-');
    // Executable, so it is found on PATH, but its interpreter does not exist: spawn fails.
    writeFileSync(path.join(broken, 'bwrap'), '#!/no/such/interpreter\n', { mode: 0o755 });
    const d = detectSandbox('auto', {
      platform: 'linux',
      env: { PATH: `${broken}${path.delimiter}/usr/bin:/bin` },
    });
    expect(d.kind).toBe('none');
    expect(d.notice).toMatch(/bwrap cannot run here: spawnSync .*bwrap ENOENT/);
  });

  it('bwrap named explicitly is refused (exit code 2) with the reason', () => {
    let err: unknown;
    try {
      detectSandbox('bwrap', { platform: 'linux', env: { PATH: pathWithFake() } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FactoryError);
    expect((err as FactoryError).exitCode).toBe(2);
    expect((err as FactoryError).message).toContain(REAL_ERROR);
  });

  it('a run with auto prints the notice once and runs the check unsandboxed; with bwrap it refuses and creates nothing', async () => {
    const config = (sandbox: string) => ({
      server: inProcessServer(server),
      check: `touch "$CANARY/proof-${sandbox}"`,
      sandbox,
      agent: { maxAttempts: 1 },
      worktree: { pool: 0 },
    });
    const env = { PATH: pathWithFake(), CANARY: canary };
    const auto = await e2eRepo({ 'README.md': '# x\n' }, config('auto'));
    const r = await runJson(auto.dir, ['task', 'Say hello'], env);
    expect(r.stderr.match(/factory: no sandbox/g), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(REAL_ERROR);
    expect(events(auto.dir, 1).find((e) => e.type === 'sandbox')).toMatchObject({ kind: 'none' });
    expect(existsSync(path.join(canary, 'proof-auto'))).toBe(true);

    const named = await e2eRepo({ 'README.md': '# x\n' }, config('bwrap'));
    const refused = await cli(named.dir, ['task', 'Say hello', '--json'], env);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('sandbox "bwrap" is not available');
    expect(existsSync(taskDir(named.dir, 1))).toBe(false);
    expect(existsSync(path.join(canary, 'proof-bwrap'))).toBe(false);
  }, 90_000);
});
