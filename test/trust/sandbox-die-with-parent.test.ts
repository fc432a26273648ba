/**
 * If factory itself dies (SIGKILL, a crash) while a check runs, nothing of the check survives:
 * bwrap's --die-with-parent ends the sandbox, and its PID namespace takes every process with it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, makeRepo, projectRoot, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { waitFor } from '../e2e/support.js';
import { DAEMON_MARKS, killMarked, marked, settledDaemons } from './sandbox-support.js';

afterAll(async () => {
  killMarked();
  await cleanupTemps();
});

describe('trust: sandbox outlives nothing of a killed factory', () => {
  it('a SIGKILLed orchestrator leaves no process of its check alive', async () => {
    const repo = await makeRepo();
    const file = path.join(await tempDir('factory-sbx-orch-'), 'orchestrator.mts');
    const src = (p: string) => pathToFileURL(path.join(projectRoot, p)).href;
    writeFileSync(
      file,
      [
        `import { runCheck } from '${src('src/agent/executor.ts')}';`,
        `import { DEFAULT_SANDBOX_SETTINGS, resolvePlan } from '${src('src/agent/os-sandbox/index.ts')}';`,
        `const plan = resolvePlan({ ...DEFAULT_SANDBOX_SETTINGS, mode: 'bwrap' }, { purpose: 'check', repoRoot: ${JSON.stringify(repo)} });`,
        `await runCheck('setsid -f sleep ${DAEMON_MARKS[0]}; sleep ${DAEMON_MARKS[1]}', { cwd: ${JSON.stringify(repo)}, timeoutMs: 60000, sandbox: plan });`,
      ].join('\n'),
    );
    const orchestrator = spawn(process.execPath, ['--import', tsxLoader, file], { stdio: 'ignore' });
    await waitFor('the check to start its processes', 30_000, () => marked(DAEMON_MARKS).length === 2);
    orchestrator.kill('SIGKILL');
    expect(await settledDaemons(10_000)).toEqual([]);
  }, 60_000);
});
