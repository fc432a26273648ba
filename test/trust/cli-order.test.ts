/**
 * Commands that talk to the model server check the repository, the configuration and their
 * arguments first, and contact or start the server last: a mistyped request is refused (exit 2)
 * and no server is started for it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, makeRepo, sh, tempDir } from '../helpers/git-repo.js';
import { freePort, scriptedCommand } from '../helpers/server-env.js';
import { ensureBuilt, killBuilt, runBuilt } from '../helpers/built-cli.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { appendEvent } from '../../src/tasks/record.js';
import { openRepo } from '../../src/git/repo.js';
import { serverHomes } from '../../src/llm/state.js';
import { probeFront } from '../../src/llm/lifecycle.js';
import { resumeInBackground } from '../../src/cli/background.js';

beforeAll(ensureBuilt, 600_000);
afterEach(killBuilt);
afterAll(cleanupTemps);

/** A repo whose config would start the scripted server on a free port, and a private state dir. */
async function sandbox(files: Record<string, string> | null = { 'a.txt': 'a\n' }) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const config = JSON.stringify({
    server: { baseURL, model: 'scripted-model', command: scriptedCommand(), idleShutdown: 1 },
  });
  let dir: string;
  if (files) dir = await makeRepo({ ...files, '.factoryrc.json': config });
  else {
    dir = await tempDir();
    sh(dir, 'init', '-q', '-b', 'main');
    await writeFile(path.join(dir, '.factoryrc.json'), config);
  }
  const stateDir = path.join(await tempDir('factory-state-'), 'state');
  return { dir, baseURL, stateDir, env: { FACTORY_STATE_DIR: stateDir } };
}

/** Nothing was started: no server state was written and nothing answers on the port. */
async function expectNoServer(s: { baseURL: string; stateDir: string }) {
  expect(await serverHomes(s.stateDir)).toEqual([]);
  expect(await probeFront(s.baseURL)).toBeNull();
}

describe('trust: commands check their input before they contact or start the server', () => {
  it('task in a repository with no commits: exit 2 "no commits yet", no server', async () => {
    const s = await sandbox(null);
    const r = await runBuilt(s.dir, ['task', 'Fix it'], s.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('the repository has no commits yet');
    expect(r.stderr).not.toContain('inference server');
    await expectNoServer(s);
  });

  it('task with an unknown --base, a broken config, no description or a bad number: exit 2, no server', async () => {
    const s = await sandbox();
    const base = await runBuilt(s.dir, ['task', 'Fix it', '--base', 'no-such-branch'], s.env);
    expect(base.code, base.stderr).toBe(2);
    expect(base.stderr).toContain('unknown base ref: no-such-branch');
    const none = await runBuilt(s.dir, ['task'], s.env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no task given');
    const bad = await runBuilt(s.dir, ['task', 'Fix it', '--max-attempts', 'lots'], s.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-attempts');
    await writeFile(path.join(s.dir, '.factoryrc.json'), '{ "parallel": "many" }');
    const config = await runBuilt(s.dir, ['task', 'Fix it'], s.env);
    expect(config.code, config.stderr).toBe(2);
    expect(config.stderr).toContain('parallel');
    await expectNoServer(s);
  });

  it('resume of a task that does not exist, or cannot be resumed: exit 2, no server', async () => {
    const s = await sandbox();
    const missing = await runBuilt(s.dir, ['resume', '99'], s.env);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('no task 99');
    const t = await taskWithAttempts(s.dir, 'done already', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    await appendEvent(t.repo, t.id, 'status', { status: 'passed' });
    const passed = await runBuilt(s.dir, ['resume', String(t.id), '--feedback', 'again'], s.env);
    expect(passed.code, passed.stderr).toBe(2);
    expect(passed.stderr).toContain(`task ${t.id} is passed`);
    const attempt = await runBuilt(s.dir, ['resume', `${t.id}.1`], s.env);
    expect(attempt.code).toBe(2);
    await expectNoServer(s);
  });

  it("review's resume action refuses a task that cannot be resumed before it starts anything", async () => {
    const s = await sandbox();
    const t = await taskWithAttempts(s.dir, 'merged already', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    await appendEvent(t.repo, t.id, 'status', { status: 'passed' });
    // A command that would leave a mark if it were ever run.
    const marker = path.join(s.dir, 'spawned');
    const cli = ['/bin/sh', '-c', `touch ${marker}`, 'sh'];
    await expect(resumeInBackground(await openRepo(s.dir), t.id, 'more', cli)).rejects.toThrow(
      `task ${t.id} is passed`,
    );
    await expect(resumeInBackground(await openRepo(s.dir), 42, 'more', cli)).rejects.toThrow('no task 42');
    expect(sh(s.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    await expectNoServer(s);
  });
});
