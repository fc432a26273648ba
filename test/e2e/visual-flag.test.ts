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

  it("says once that the describer's own server is not running; the task still runs", async () => {
    const script = path.join(await tempDir(), 'script.json');
    await writeFile(
      script,
      JSON.stringify({
        model: 'scripted-model',
        replies: [
          { match: { system: 'You are the Coder' }, content: 'Nothing to change.' },
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"PASS","analysis":"ok","fix":""}',
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
      visual: {
        url: 'file://index.html',
        paths: [],
        describer: {
          baseURL: 'http://127.0.0.1:9/v1',
          model: 'vl',
          command: ['mlx_lm.server', '--port', '{port}'],
        },
      },
    });
    const run = await runJson(repo.dir, ['task', 'Read the page']);
    expect(run.outcomes[0]?.outcome, run.stderr).toBe('passed');
    expect(run.stderr).toContain(
      "factory: the describer's server at http://127.0.0.1:9/v1 is not running: visual checks get no descriptions until `factory server start` starts it\n",
    );
  });
});
