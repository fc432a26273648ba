/** A sandboxed check that times out or is cancelled takes every process it started with it. */
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/agent/executor.js';
import { DEFAULT_SANDBOX_SETTINGS, resolvePlan } from '../../src/agent/os-sandbox/index.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { waitFor } from '../e2e/support.js';
import { DAEMON_MARKS, killMarked, marked, settledDaemons } from './sandbox-support.js';

afterAll(async () => {
  killMarked();
  await cleanupTemps();
});

const daemons = `setsid -f sleep ${DAEMON_MARKS[0]}; (setsid sh -c 'exec sleep ${DAEMON_MARKS[1]}' &); sleep ${DAEMON_MARKS[2]}`;

describe('trust: sandbox kill on timeout and cancel', () => {
  it('a timeout ends the check and its setsid daemons', async () => {
    const repo = await makeRepo();
    const plan = resolvePlan(
      { ...DEFAULT_SANDBOX_SETTINGS, mode: 'bwrap' },
      { purpose: 'check', repoRoot: repo },
    );
    const r = await runCheck(daemons, { cwd: repo, timeoutMs: 3000, sandbox: plan });
    expect(r.timedOut).toBe(true);
    expect(await settledDaemons(10_000)).toEqual([]);
  }, 30_000);

  it('a cancel ends the check and its setsid daemons', async () => {
    const repo = await makeRepo();
    const plan = resolvePlan(
      { ...DEFAULT_SANDBOX_SETTINGS, mode: 'bwrap' },
      { purpose: 'check', repoRoot: repo },
    );
    const ctrl = new AbortController();
    const run = runCheck(daemons, { cwd: repo, timeoutMs: 60_000, sandbox: plan, signal: ctrl.signal });
    await waitFor('the daemons to start', 20_000, () => marked(DAEMON_MARKS).length === 3);
    ctrl.abort();
    const r = await run;
    expect(r.cancelled).toBe(true);
    expect(await settledDaemons(10_000)).toEqual([]);
  }, 30_000);
});
