/**
 * `factory server start` with a describer factory starts itself (visual.describer.command): the
 * memory of both models is checked first, both servers run side by side, `status` shows both and
 * `stop` stops both. Real CLI runs, real supervisors, the scripted server as both models.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, runCli } from '../helpers/git-repo.js';
import { freePort, scriptedCommand, serverSandbox } from '../helpers/server-env.js';
import { chat } from '../../src/llm/client.js';
import { keyFor } from '../../src/llm/front-key.js';
import { pidAlive, readState, serverHome } from '../../src/llm/state.js';

const started: { dir: string; env: NodeJS.ProcessEnv }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await runCli(s.dir, ['server', 'stop', '--grace', '1'], s.env);
});
afterAll(cleanupTemps);

/** A repo with the scripted server as main model and as describer, each on its own free port. */
async function pair(opts: { main?: Record<string, unknown>; describer?: Record<string, unknown> } = {}) {
  const s = await serverSandbox(opts.main ?? {});
  const describerURL = `http://127.0.0.1:${await freePort()}/v1`;
  const rc = path.join(s.dir, '.factoryrc.json');
  const config = JSON.parse(await readFile(rc, 'utf8'));
  config.visual = {
    url: 'file://index.html',
    describer: { baseURL: describerURL, model: 'scripted-vl', command: scriptedCommand(), ...opts.describer },
  };
  await writeFile(rc, JSON.stringify(config));
  // No model files anywhere: only what the configuration says counts.
  const env: NodeJS.ProcessEnv = { ...s.env, HF_HUB_CACHE: path.join(s.dir, 'no-hub') };
  const r = { ...s, env, describerURL, rc };
  started.push(r);
  return r;
}

const homes = (p: { env: NodeJS.ProcessEnv; baseURL: string; describerURL: string }) => ({
  main: serverHome(p.baseURL, p.env.FACTORY_STATE_DIR!),
  describer: serverHome(p.describerURL, p.env.FACTORY_STATE_DIR!),
});

describe('factory server start with a describer', { timeout: 180_000 }, () => {
  it('refuses when the two models do not fit in free memory, naming both figures; nothing starts', async () => {
    const p = await pair({ main: { memory: 100_000 }, describer: { memory: 1.5 } });
    const r = await runCli(p.dir, ['server', 'start'], p.env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^factory: the two models need about 100001\.5 GB \(main 100000\.0 GB, describer 1\.5 GB\) by factory's estimate, but \d+\.\d GB of memory is free; use --force to start them anyway\n$/,
    );
    expect(await readState(homes(p).main)).toBeNull();
    expect(await readState(homes(p).describer)).toBeNull();

    // A describer command on the main server is a configuration error, named by file and key.
    await writeFile(
      p.rc,
      JSON.stringify({
        ...JSON.parse(await readFile(p.rc, 'utf8')),
        visual: { url: 'file://i.html', describer: { command: ['x'] } },
      }),
    );
    const bad = await runCli(p.dir, ['server', 'start'], p.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /\.factoryrc\.json: visual\.describer\.command: factory starts a describer only on a server of its own/,
    );
  });

  it('--force starts both; status shows both; stop stops both', async () => {
    const p = await pair({ main: { memory: 100_000 }, describer: { memory: 1.5 } });
    const r = await runCli(p.dir, ['server', 'start', '--force', '--json'], p.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: starting anyway \(--force\): the two models need about 100001\.5 GB/);
    const out = JSON.parse(r.stdout);
    expect(out).not.toHaveProperty('token');
    expect(out.describer).not.toHaveProperty('token');
    expect(out.model).toBe('scripted-model');
    expect(out.describer).toMatchObject({ model: 'scripted-vl', baseURL: p.describerURL, phase: 'ready' });
    expect(out.describer.memory).toEqual({ bytes: 1.5 * 2 ** 30, from: 'visual.describer.memory' });
    expect(out.memoryCheck.kind).toBe('too-much');
    const pids = [out.daemonPid, out.modelPid, out.describer.daemonPid, out.describer.modelPid];
    expect(pids.every(pidAlive)).toBe(true);

    // The describer answers through its own front, with the token in its state file.
    const token = (await readState(homes(p).describer))!.token!;
    // What the describer's client shows it: the token, not the configured "local".
    expect(await keyFor(p.describerURL, 'local', p.env.FACTORY_STATE_DIR!)).toBe(token);
    const answer = await chat(
      { baseURL: p.describerURL, apiKey: token, model: 'scripted-vl', concurrency: 1 },
      { messages: [{ role: 'user', content: 'hello there' }], maxTokens: 50 },
      { task: 'describe-1' },
    );
    expect(answer.content).toBe('Hello! I am a scripted model.');

    const status = await runCli(p.dir, ['server', 'status'], p.env);
    expect(status.code).toBe(0);
    expect(status.stdout).not.toContain(token);
    const blocks = status.stdout.split('\n\n');
    expect(blocks[0]).toMatch(/^factory server: scripted-model {3}\[this repository\]\n/);
    expect(blocks[0]).toContain('  memory   about 100000.0 GB (estimate: server.memory)');
    expect(blocks[1]).toMatch(/^factory server: scripted-vl {3}\[this repository's describer\]\n/);
    expect(blocks[1]).toContain(`  url      ${p.describerURL}`);
    expect(blocks[1]).toContain(`(pid ${out.describer.modelPid})`);
    expect(blocks[1]).toContain('  memory   about 1.5 GB (estimate: visual.describer.memory)');
    const json = JSON.parse((await runCli(p.dir, ['server', 'status', '--json'], p.env)).stdout);
    expect(json.describer).toMatchObject({
      baseURL: p.describerURL,
      model: 'scripted-vl',
      managed: true,
      running: true,
      pid: out.describer.daemonPid,
      modelPid: out.describer.modelPid,
      health: 'ok',
      memory: { bytes: 1.5 * 2 ** 30, from: 'visual.describer.memory' },
    });
    expect(json.servers.map((v: { describer?: boolean }) => Boolean(v.describer))).toEqual([false, true]);

    const stop = await runCli(p.dir, ['server', 'stop'], p.env);
    expect(stop.stdout).toBe(
      `stopped the factory server at ${p.baseURL} (scripted-model)\nstopped the describer server at ${p.describerURL} (scripted-vl)\n`,
    );
    expect(pids.some(pidAlive)).toBe(false);
    expect(await keyFor(p.describerURL, 'local', p.env.FACTORY_STATE_DIR!)).toBe('local');
    const after = await runCli(p.dir, ['server', 'status'], p.env);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain(
      `describer scripted-vl at ${p.describerURL} is not running; start it with \`factory server start\``,
    );
  });

  it('counts a main server that already runs as in memory, and starts only the describer', async () => {
    const p = await pair({ main: { memory: 100_000 }, describer: { memory: 0.5 } });
    const withDescriber = await readFile(p.rc, 'utf8');
    // The main server alone first (as `factory task` starts it): no describer, no check.
    await writeFile(p.rc, JSON.stringify({ ...JSON.parse(withDescriber), visual: null }));
    const main = await runCli(p.dir, ['server', 'start', '--json'], p.env);
    expect(main.code).toBe(0);
    expect(main.stderr).toBe('');
    const mainPid = JSON.parse(main.stdout).daemonPid;

    await writeFile(p.rc, withDescriber);
    const r = await runCli(p.dir, ['server', 'start'], p.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('factory server already running: scripted-model');
    expect(r.stdout).toContain('describer server ready: scripted-vl');
    expect(r.stdout).toMatch(
      /memory: the describer model needs about 0\.5 GB by factory's estimate; the main model \(100000\.0 GB\) already runs and is counted in the free memory; \d+\.\d GB is free/,
    );
    expect((await readState(homes(p).main))!.daemonPid).toBe(mainPid);

    // Both run now: a third start is refused and changes nothing.
    const again = await runCli(p.dir, ['server', 'start'], p.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('the factory servers are already running: main at');
  });

  it('goes on with a notice when it cannot estimate, and stops the main server again when the describer fails', async () => {
    const p = await pair({
      describer: { command: [process.execPath, '-e', 'process.exit(1)', '--port', '{port}'] },
    });
    const r = await runCli(p.dir, ['server', 'start'], p.env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /^note: cannot estimate whether the models fit in memory \(\d+\.\d GB free\): main: no model files found for scripted-model and server\.memory is not set; describer: no model files found for scripted-vl and visual\.describer\.memory is not set$/,
    );
    expect(r.stderr).toContain(
      'note: the describer server did not start, so the main server was stopped again',
    );
    expect(r.stderr).toContain('the model server did not start');
    expect(await readState(homes(p).main)).toBeNull();
    expect(await readState(homes(p).describer)).toBeNull();
  });
});
