/**
 * `factory task --visual` and a task file's `visual:`/`spec:` through the CLI: refused (exit 2,
 * one line, nothing created) without a `visual` configuration; kept in the task record and shown
 * by `factory show` with one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { startScriptedServer } from '../../src/scripted-server/index.js';
import { cli, closeInProcess, e2eRepo, inProcessServer, runJson } from './support.js';
import { freePort, scriptedCommand } from '../helpers/server-env.js';
import { pidAlive, readState, serverHome } from '../../src/llm/state.js';

const servers: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await closeInProcess();
  await cleanupTemps();
});

const PAGE = { 'index.html': '<!doctype html><p>hello</p>\n' };

describe('factory task --visual', () => {
  it('is refused with exit 2 and one line when the configuration has no visual section; nothing is created', async () => {
    const repo = await e2eRepo(PAGE, {
      server: { baseURL: 'http://127.0.0.1:9/v1', command: null },
      check: 'true',
    });
    const flag = await cli(repo.dir, ['task', 'Style the page', '--visual']);
    expect(flag.code, flag.stderr).toBe(2);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    expect(flag.stderr).toMatch(
      /^factory: the task "Style the page" asks for the visual check, but the configuration has no "visual" section — add one to \.factoryrc\.json, e\.g\. "visual": \{"start": /,
    );
    const file = path.join(await tempDir(), 'tasks.yaml');
    await writeFile(file, 'tasks:\n  - description: a\n    visual: true\n  - description: b\n');
    const fromFile = await cli(repo.dir, ['task', '-t', file]);
    expect(fromFile.code, fromFile.stderr).toBe(2);
    expect(fromFile.stderr).toContain('the task "a" asks for the visual check');
    expect(existsSync(path.join(repo.dir, '.git/factory/tasks/1'))).toBe(false);
  });

  it('reaches the task record with a visual configuration; factory show prints it and the spec', async () => {
    const script = path.join(await tempDir(), 'script.json');
    await writeFile(
      script,
      JSON.stringify({
        model: 'scripted-model',
        replies: [
          { match: { system: 'You are the Coder' }, content: 'Nothing to change.' },
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"FAIL","analysis":"not styled yet","fix":"style it"}',
          },
        ],
      }),
    );
    const server = await startScriptedServer({ script, dialect: 'mlx', model: 'scripted-model' });
    servers.push(server);
    const repo = await e2eRepo(PAGE, {
      server: inProcessServer(server),
      agent: { maxAttempts: 1 },
      check: 'true',
      sandbox: 'none',
      visual: { url: 'file://index.html' },
    });
    const file = path.join(await tempDir(), 'task.yaml');
    await writeFile(
      file,
      'description: Style the page\nspec: |\n  Desktop: two columns.\n  Phone: one column.\n',
    );
    const run = await runJson(repo.dir, ['task', '-t', file, '--visual']);
    expect(run.outcomes, run.stderr).toHaveLength(1);
    const id = run.outcomes[0]!.id;
    const rec = JSON.parse(
      readFileSync(path.join(repo.dir, '.git/factory/tasks', String(id), 'task.json'), 'utf8'),
    );
    expect(rec).toMatchObject({ visual: true, spec: 'Desktop: two columns.\nPhone: one column.' });

    const show = await cli(repo.dir, ['show', String(id)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('  visual   yes (the task asks)\n');
    expect(show.stdout).toContain('  spec     Desktop: two columns.\n           Phone: one column.\n');

    // The record keeps asking: a resume after the visual section is gone is refused the same way.
    await writeFile(
      path.join(repo.dir, '.factoryrc.json'),
      JSON.stringify({ server: inProcessServer(server), check: 'true', sandbox: 'none' }),
    );
    const resume = await cli(repo.dir, ['resume', String(id)]);
    expect(resume.code, resume.stderr).toBe(2);
    expect(resume.stderr).toContain('the task "Style the page" asks for the visual check');
  });

  it("starts the describer's own server for the first look, and not for a run that never looks", async () => {
    const dir = await tempDir();
    const script = path.join(dir, 'script.json');
    await writeFile(
      script,
      JSON.stringify({
        model: 'scripted-model',
        replies: [
          { match: { system: 'You write the design spec' }, content: '- desktop: the word hello' },
          { match: { system: 'You are the Coder' }, content: 'Nothing to change.' },
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"PASS","analysis":"ok","fix":""}',
          },
        ],
      }),
    );
    const describerScript = path.join(dir, 'describer.json');
    await writeFile(
      describerScript,
      JSON.stringify({
        model: 'vl',
        replies: [{ match: { images: true }, content: 'A white page with the word hello at the top left.' }],
      }),
    );
    const command = scriptedCommand();
    command[command.indexOf('--script') + 1] = describerScript;
    const describerURL = `http://127.0.0.1:${await freePort()}/v1`;
    const server = await startScriptedServer({ script, dialect: 'mlx', model: 'scripted-model' });
    servers.push(server);
    const repo = await e2eRepo(PAGE, {
      server: { ...inProcessServer(server), idleShutdown: 1 },
      agent: { maxAttempts: 1 },
      check: 'true',
      sandbox: 'none',
      visual: {
        url: 'file://index.html',
        paths: [],
        viewports: [{ name: 'desktop', width: 800, height: 600 }],
        describer: { baseURL: describerURL, model: 'vl', command, memory: 0.1 },
      },
    });
    const env = { FACTORY_STATE_DIR: path.join(dir, 'state') };
    const home = serverHome(describerURL, env.FACTORY_STATE_DIR);
    try {
      // Not a visual task (no UI path, not asked): nothing looks, no second model is loaded.
      const plain = await runJson(repo.dir, ['task', 'Read the page'], env);
      expect(plain.outcomes[0]?.outcome, plain.stderr).toBe('passed');
      expect(plain.stderr).not.toContain('describer');
      expect(await readState(home)).toBeNull();
      // --no-server starts none: it says so once.
      const noServer = await runJson(repo.dir, ['task', 'Read it again', '--no-server'], env);
      expect(noServer.stderr).toContain(
        `factory: the describer's server at ${describerURL} is not running: visual checks get no descriptions until \`factory server start\` starts it\n`,
      );

      const looked = await runJson(repo.dir, ['task', 'Look at the page', '--visual'], env);
      const outcome = looked.outcomes[0]!;
      expect(outcome.outcome, looked.stderr).toBe('passed');
      expect(looked.stderr).toContain(
        `started the describer's server (vl) at ${describerURL}; it stops after 1 idle minute`,
      );
      const state = await readState(home);
      expect(state).toMatchObject({ model: 'vl', baseURL: describerURL, phase: 'ready' });
      expect(pidAlive(state!.daemonPid)).toBe(true);
      const visual = JSON.parse(
        readFileSync(
          path.join(repo.dir, '.git/factory/tasks', String(outcome.id), 'visual/attempt-1/visual.json'),
          'utf8',
        ),
      );
      expect(JSON.stringify(visual)).toContain('A white page with the word hello at the top left.');
    } finally {
      const stop = await cli(repo.dir, ['server', 'stop', '--grace', '1'], env);
      expect(stop.code, stop.stderr).toBe(0);
    }
    expect(await readState(home)).toBeNull();

    // A describer that plainly does not fit is not started: the look goes on without descriptions.
    const rc = path.join(repo.dir, '.factoryrc.json');
    const config = JSON.parse(readFileSync(rc, 'utf8'));
    config.visual.describer.memory = 100_000;
    await writeFile(rc, JSON.stringify(config));
    const tooBig = await runJson(repo.dir, ['task', 'Look again', '--visual'], env);
    expect(tooBig.outcomes[0]?.outcome, tooBig.stderr).toBe('passed');
    expect(tooBig.stderr).toMatch(
      /the describer's server at \S+ was not started: the describer model needs about 100000\.0 GB by factory's estimate, but [\d.]+ GB of memory is free; `factory server start --force` starts it anyway; visual checks get no descriptions/,
    );
    expect(await readState(home)).toBeNull();
  });
});
