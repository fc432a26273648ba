/**
 * `factory server` keeps one server per baseURL: repos configured for different URLs get servers
 * that run side by side. `status` lists them all, marks this repository's, and exits 3 (as
 * `systemctl status` does) when this repository's server is not running.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { freePort, scriptedCommand } from '../helpers/server-env.js';
import { ensureBuilt, killBuilt, runBuilt } from '../helpers/built-cli.js';
import { pidAlive } from '../../src/llm/state.js';

beforeAll(ensureBuilt, 600_000);
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  killBuilt();
  for (const s of stops.splice(0)) await s();
});
afterAll(cleanupTemps);

/** A repo whose server is the scripted one on its own free port; the state dir is shared. */
async function repoOn(stateDir: string, stop = true) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const dir = await makeRepo();
  await writeFile(
    path.join(dir, '.factoryrc.json'),
    JSON.stringify({ server: { baseURL, model: `model-${port}`, command: scriptedCommand() } }),
  );
  const env = { FACTORY_STATE_DIR: stateDir };
  if (stop) stops.push(() => runBuilt(dir, ['server', 'stop', '--grace', '1'], env));
  return { dir, baseURL, port, env };
}

describe('trust: server status exits 3 when no server runs', () => {
  it('says so in one line, as text and as JSON', async () => {
    const a = await repoOn(path.join(await tempDir('factory-state-'), 'state'), false);
    const text = await runBuilt(a.dir, ['server', 'status'], a.env);
    expect(text.code).toBe(3);
    expect(text.stdout).toBe(
      `no factory server is running for ${a.baseURL}; start one with \`factory server start\`\n`,
    );
    const json = await runBuilt(a.dir, ['server', 'status', '--json'], a.env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, baseURL: a.baseURL, servers: [] });
  });
});

describe('trust: one server per baseURL, side by side', () => {
  it('repo B starts its own server while repo A runs one; status lists both, stop and logs act on this repo', async () => {
    const stateDir = path.join(await tempDir('factory-state-'), 'state');
    const a = await repoOn(stateDir);
    const b = await repoOn(stateDir);
    const startA = await runBuilt(a.dir, ['server', 'start', '--json'], a.env);
    expect(startA.code, startA.stderr).toBe(0);
    const stateA = JSON.parse(startA.stdout);

    // B sees A's server, marked as not its own, and is told its own is not running.
    const seen = await runBuilt(b.dir, ['server', 'status'], b.env);
    expect(seen.code).toBe(3);
    expect(seen.stdout).toContain(`factory server: model-${a.port}\n`);
    expect(seen.stdout).toContain(`url      ${a.baseURL}`);
    expect(seen.stdout).not.toContain('[this repository]');
    expect(seen.stdout.trimEnd().split('\n').at(-1)).toBe(
      `no factory server is running for ${b.baseURL}; start one with \`factory server start\``,
    );

    const startB = await runBuilt(b.dir, ['server', 'start', '--json'], b.env);
    expect(startB.code, startB.stderr).toBe(0);
    const stateB = JSON.parse(startB.stdout);
    expect(stateB.daemonPid).not.toBe(stateA.daemonPid);

    const fromA = await runBuilt(a.dir, ['server', 'status', '--json'], a.env);
    expect(fromA.code).toBe(0);
    const report = JSON.parse(fromA.stdout);
    expect(report.running).toBe(true);
    expect(report.state.daemonPid).toBe(stateA.daemonPid);
    expect(report.servers.map((s: { baseURL: string; current: boolean }) => [s.baseURL, s.current])).toEqual([
      [a.baseURL, true],
      [b.baseURL, false],
    ]);
    const textA = await runBuilt(a.dir, ['server', 'status'], a.env);
    expect(textA.stdout).toContain(`factory server: model-${a.port}   [this repository]`);
    expect(textA.stdout).toContain(`factory server: model-${b.port}\n`);

    // logs and stop act on this repository's server only.
    const logsB = await runBuilt(b.dir, ['server', 'logs'], b.env);
    expect(logsB.code, logsB.stderr).toBe(0);
    expect(stateB.logFile).not.toBe(stateA.logFile);
    const stopB = await runBuilt(b.dir, ['server', 'stop', '--grace', '1'], b.env);
    expect(stopB.stdout).toBe(`stopped the factory server at ${b.baseURL} (model-${b.port})\n`);
    expect(pidAlive(stateB.daemonPid)).toBe(false);
    expect(pidAlive(stateA.daemonPid)).toBe(true);
    expect((await runBuilt(a.dir, ['server', 'status'], a.env)).code).toBe(0);
    expect((await runBuilt(b.dir, ['server', 'status'], b.env)).code).toBe(3);
    // A generous limit: a dozen CLI runs and two model servers on a busy machine.
  }, 300_000);
});

describe('trust: every numeric flag is checked, exit 2 with the flag named', () => {
  let a: Awaited<ReturnType<typeof repoOn>>;
  beforeAll(async () => {
    a = await repoOn(path.join(await tempDir('factory-state-'), 'state'), false);
  });

  it.each([
    [['server', 'start', '--ready-timeout', '-5'], '--ready-timeout'],
    [['server', 'start', '--ready-timeout', 'abc'], '--ready-timeout'],
    [['server', 'start', '--ready-timeout', '0'], '--ready-timeout'],
    [['server', 'stop', '--grace', '-1'], '--grace'],
    [['server', 'stop', '--grace', 'soon'], '--grace'],
    [['server', 'logs', '-n', 'abc'], '--lines'],
    [['server', 'logs', '--lines', '2.5'], '--lines'],
    [['task', 'Fix it', '--parallel', '0'], '--parallel'],
    [['task', 'Fix it', '--max-attempts', '1e3'], '--max-attempts'],
    [['task', 'Fix it', '--timeout', '-3'], '--timeout'],
    [['resume', '1', '-n', 'x'], '--max-attempts'],
  ])('factory %j', async (args, flag) => {
    const r = await runBuilt(a.dir, args, a.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain('is invalid');
    expect(r.stdout).toBe('');
  });

  it('valid numbers are taken: --grace 0 stops nothing and exits 0', async () => {
    const r = await runBuilt(a.dir, ['server', 'stop', '--grace', '0'], a.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`no factory server is running for ${a.baseURL}\n`);
  });
});
