/**
 * A model-written check (a script task's script, from the scripted server) tries what an attacker
 * would, through the real CLI and real bwrap: each attack is blocked or contained, and the main
 * repository, $HOME and a canary folder are byte-for-byte unchanged. The same run with
 * `sandbox: "none"` documents what the sandbox prevents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemps, sh } from '../helpers/git-repo.js';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import { cli, e2eRepo, events, inProcessServer, requestsOf, runJson, worktreeOf } from '../e2e/support.js';
import {
  attackServer,
  attacks,
  DB_PASSWORD,
  killMarked,
  mainRepoSnapshot,
  PRIVATE_NOTE,
  SECRET_KEY,
  settledDaemons,
  snapshot,
  stage,
  type Stage,
} from './sandbox-support.js';

let s: Stage;
let server: ScriptedServer;

beforeAll(async () => {
  s = await stage();
  server = await attackServer(s);
});

afterEach(() => killMarked());

afterAll(async () => {
  await server?.close();
  await s?.close();
  await cleanupTemps();
});

async function attackRun(sandbox: string, attemptsCount: number) {
  const { dir } = await e2eRepo(
    { 'README.md': '# target\n' },
    {
      server: inProcessServer(server),
      check: null,
      sandbox,
      agent: { maxAttempts: attemptsCount, executionTimeout: 30 },
      worktree: { pool: 0 },
    },
  );
  const before = { main: mainRepoSnapshot(dir), home: snapshot(s.home), canary: snapshot(s.canary) };
  const env = {
    HOME: s.home,
    DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal:5432/app`,
    FACTORY_STATE_DIR: path.join(s.home, '..', `state-${path.basename(dir)}`),
  };
  const run = await runJson(dir, ['task', 'Write a check script'], env);
  const checks = events(dir, 1).filter((e) => e.type === 'check');
  const output = checks.map((c) => String(c.output)).join('\n');
  return {
    dir,
    env,
    run,
    checks,
    output,
    before,
    log: readFileSync(path.join(dir, '.git/factory/tasks/1/events.jsonl'), 'utf8'),
  };
}

describe('trust: sandbox bwrap contains a hostile check', () => {
  it('blocks or contains every attack, leaves the main repo, $HOME and the canary unchanged, and no process alive', async () => {
    const r = await attackRun('bwrap', 2);
    expect(r.run.code, r.run.stderr).toBe(1);
    expect(r.checks).toHaveLength(2);
    const a = attacks(r.output);

    // Nothing got out: writes outside the worktree failed, secrets were not there to read.
    expect(a['canary-write']).toBeUndefined();
    expect(a['canary-append']).toBeUndefined();
    expect(a['ssh-key']).toBeUndefined();
    expect(a['aws']).toBeUndefined();
    expect(a['private-note']).toBeUndefined();
    expect(a['hook']).toBeUndefined();
    expect(a['hooksPath']).toBeUndefined();
    expect(a['git-link']).toBeUndefined();
    // ~/.bashrc was written, but in the check's private, throwaway $HOME.
    expect(a['bashrc']).toBe('done');
    expect(a['db-url']).toBe('[]');
    expect(a['tcp']).toMatch(/ECONNREFUSED|ENETUNREACH/);
    expect(s.connections()).toBe(0);
    expect(a['daemons']).toBe('started');

    // The secrets are in no record: not in the event log (which goes to the Sheriff), not anywhere.
    for (const secret of [
      SECRET_KEY.trim().split('\n')[1]!,
      PRIVATE_NOTE.trim(),
      DB_PASSWORD,
      'sandbox-aws-secret',
    ]) {
      expect(r.log).not.toContain(secret);
      expect(JSON.stringify(server.requests)).not.toContain(secret);
    }

    // Byte for byte: the main repo (files, config, hooks), $HOME and the canary folder.
    expect(mainRepoSnapshot(r.dir)).toEqual(r.before.main);
    expect(snapshot(s.home)).toEqual(r.before.home);
    expect(snapshot(s.canary)).toEqual(r.before.canary);
    const wt = worktreeOf(r.dir, 1);
    expect(readFileSync(path.join(wt, '.git'), 'utf8').trim()).toBe(
      `gitdir: ${path.join(r.dir, '.git/worktrees/1')}`,
    );
    expect(sh(wt, 'rev-parse', '--absolute-git-dir')).toBe(path.join(r.dir, '.git/worktrees/1'));

    // No process of the check is alive: daemons and the fork bomb ended with the sandbox.
    expect(await settledDaemons(10_000)).toEqual([]);

    // Failures the sandbox caused are explained, naming the path or the network and the setting.
    expect(r.output).toContain(`factory sandbox: writing ${s.canary}/new.txt was blocked`);
    expect(r.output).toContain(`add ${s.canary} to sandbox.writable`);
    expect(r.output).toMatch(/factory sandbox: .*\.git.* is git metadata, read-only in the check/);
    expect(r.output).toContain(`factory sandbox: ${s.home}/.ssh/id_rsa is hidden`);
    expect(r.output).toContain('set sandbox.network to true');
    // ... in the Coder's view too: its second turn gets the check section with those lines.
    const coder = requestsOf(server, 'Coder').at(-1)!;
    expect(JSON.stringify(coder.body)).toContain(`factory sandbox: writing ${s.canary}/new.txt was blocked`);

    // `factory show` says which sandbox the run used.
    const show = await cli(r.dir, ['show', '1'], r.env);
    expect(show.stdout).toContain('sandbox  bwrap (network off)');
  }, 120_000);
});

describe('trust: sandbox "none" documents what the sandbox prevents', () => {
  it('runs the same check unsandboxed, says so, and records what got through', async () => {
    const r = await attackRun('none', 1);
    expect(r.run.code, r.run.stderr).toBe(1);
    expect(r.run.stderr).toContain('sandbox "none"');
    expect(r.checks).toHaveLength(1);
    const a = attacks(r.output);
    const daemons = await settledDaemons(2_000);
    const changed = {
      canary: JSON.stringify(snapshot(s.canary)) !== JSON.stringify(r.before.canary),
      home: JSON.stringify(snapshot(s.home)) !== JSON.stringify(r.before.home),
      mainRepo: JSON.stringify(mainRepoSnapshot(r.dir)) !== JSON.stringify(r.before.main),
    };
    // Documentation, not an assertion: what an unsandboxed check could do on this machine.
    console.info(
      'sandbox "none": attacks that got through:',
      JSON.stringify({ attacks: a, changed, daemonsAlive: daemons.length, tcpConnections: s.connections() }),
    );
    const show = await cli(r.dir, ['show', '1'], r.env);
    expect(show.stdout).toContain('sandbox  none (unsandboxed)');
  }, 120_000);
});
