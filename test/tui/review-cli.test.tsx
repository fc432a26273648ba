import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resumeInBackground } from '../../src/cli/background.js';
import { appendEvent } from '../../src/tasks/record.js';
import { pidAlive } from '../../src/llm/state.js';
import { cleanupTemps, makeRepo, projectRoot, runCli, tsxLoader } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

afterAll(cleanupTemps);

describe('factory review without a terminal', () => {
  it('prints the task list as plain text and exits 0', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(dir, 'Fix the pager', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    await taskWithAttempts(dir, 'Second one', []);
    const r = await runCli(dir, ['review']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^ID +STATUS +ATTEMPTS +\+\/- +AGE +BRANCH +TITLE$/);
    expect(out[1]).toMatch(/^1 +open +1 +\+1 -1 +\d+s +factory\/1-fix-the-pager +Fix the pager$/);
    expect(out[2]).toMatch(/^2 +open +0 +\+0 -0 +\d+s +factory\/2-second-one +Second one$/);
    expect(r.stdout).not.toContain('\x1b');
  });

  it('says there are no tasks, and still exits 0', async () => {
    const dir = await makeRepo();
    const r = await runCli(dir, ['review']);
    expect(r).toMatchObject({ code: 0, stdout: 'no tasks yet; start one with `factory task "title"`\n' });
  });

  it('bare factory prints the help when it cannot open the review, and unknown commands stay errors', async () => {
    const dir = await makeRepo();
    const bare = await runCli(dir, []);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: factory');
    expect(bare.stderr).toContain('review');
    const typo = await runCli(dir, ['reviw']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown command 'reviw'");
    expect(typo.stderr).toContain('review');
    const ok = await runCli(dir, ['list']);
    expect(ok.code).toBe(0);
  });
});

describe('resume in the background', () => {
  it('runs `factory resume` detached with its output in the task folder', async () => {
    // No server anywhere: the run fails fast, and its error is what it leaves behind.
    const dir = await makeRepo({
      'a.txt': 'a\n',
      '.factoryrc.json': JSON.stringify({ server: { baseURL: 'http://127.0.0.1:9/v1', command: null } }),
    });
    const t = await taskWithAttempts(dir, 'Failed once', [{ files: { 'a.txt': 'b\n' }, exit: 1 }]);
    await appendEvent(t.repo, t.id, 'status', { status: 'failed' });
    const cli = [process.execPath, '--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts')];
    const saved = process.env.FACTORY_STATE_DIR;
    process.env.FACTORY_STATE_DIR = path.join(dir, '.git', 'state');
    let r;
    try {
      r = await resumeInBackground(t.repo, t.id, 'try harder', cli);
    } finally {
      if (saved === undefined) delete process.env.FACTORY_STATE_DIR;
      else process.env.FACTORY_STATE_DIR = saved;
    }
    expect(r.log).toBe(path.join(t.repo.factoryDir, 'tasks', '1', 'resume.log'));
    for (let i = 0; i < 300 && pidAlive(r.pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(pidAlive(r.pid)).toBe(false);
    expect(await readFile(r.log, 'utf8')).toMatch(/^factory: .*127\.0\.0\.1:9/m);
  });
});
