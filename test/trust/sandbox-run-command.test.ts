/** The Coder's `run_command` runs in the same sandbox as the check. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { e2eRepo, inProcessServer, messagesOf, requestsOf, runJson } from '../e2e/support.js';
import { SECRET_KEY, snapshot, stage, type Stage } from './sandbox-support.js';

let s: Stage;
let server: ScriptedServer;

beforeAll(async () => {
  s = await stage();
  const file = path.join(await tempDir('factory-sbx-rc-'), 'rc.json');
  const command = `cat "$HOME/.ssh/id_rsa"; echo pwned > ${s.canary}/rc.txt; echo done`;
  writeFileSync(
    file,
    JSON.stringify({
      model: 'scripted-model',
      replies: [
        {
          match: { system: 'You are the Coder', last: 'tool' },
          content: 'Nothing to change.',
        },
        {
          match: { system: 'You are the Coder' },
          once: true,
          content: '',
          toolCalls: [{ name: 'run_command', arguments: { command } }],
        },
        { match: { system: 'You are the Sheriff' }, content: '{"verdict":"FAIL","analysis":"x","fix":"y"}' },
      ],
    }),
  );
  server = await startScriptedServer({ script: file, dialect: 'mlx', model: 'scripted-model' });
});

afterAll(async () => {
  await server.close();
  await s.close();
  await cleanupTemps();
});

describe('trust: sandbox for run_command', () => {
  it("runs the Coder's command under bwrap: $HOME hidden, writes outside blocked and explained", async () => {
    const { dir } = await e2eRepo(
      { 'README.md': '# x\n' },
      {
        server: inProcessServer(server),
        check: 'true',
        sandbox: 'bwrap',
        agent: { maxAttempts: 1, runCommand: true, tools: 'native' },
        worktree: { pool: 0 },
      },
    );
    const canary = snapshot(s.canary);
    const r = await runJson(dir, ['task', 'Look around'], { HOME: s.home });
    expect(r.outcomes[0]?.attempts, r.stderr).toBe(1);
    const second = requestsOf(server, 'Coder').at(-1)!;
    const tool = messagesOf(second.body).find((m) => m.role === 'tool')?.content ?? '';
    expect(tool).toContain('exit code: 0');
    expect(tool).toContain('done');
    expect(tool).not.toContain(SECRET_KEY.split('\n')[1]);
    expect(tool).toContain(`factory sandbox: writing ${s.canary}/rc.txt was blocked`);
    expect(snapshot(s.canary)).toEqual(canary);
  }, 90_000);
});
