/** The `factory sandbox:` lines, from the error messages real tools print. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFailure, type SandboxPlan } from '../../src/agent/os-sandbox/index.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

async function setup() {
  const root = await tempDir('factory-sbx-explain-');
  const wt = path.join(root, '.git', 'factory', 'worktrees', '2');
  const gitDir = path.join(root, '.git', 'worktrees', '2');
  mkdirSync(wt, { recursive: true });
  mkdirSync(gitDir, { recursive: true });
  writeFileSync(path.join(gitDir, 'commondir'), '../..\n');
  writeFileSync(path.join(wt, '.git'), `gitdir: ${gitDir}\n`);
  const home = path.join(root, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'key');
  const plan: SandboxPlan = {
    kind: 'bwrap',
    program: '/usr/bin/bwrap',
    writable: ['/opt/cache'],
    readable: [],
    network: false,
    home,
    envAllow: [],
    envDeny: [],
  };
  return { root, wt, home, plan };
}

describe('trust: sandbox failure explanations', () => {
  it('names the blocked path and the setting, from sh, node, python and coreutils messages', async () => {
    const { wt, plan } = await setup();
    const out = [
      '/bin/sh: 1: cannot create /var/lib/x: Read-only file system',
      "Error: EROFS: read-only file system, open '/usr/local/y.json'",
      "OSError: [Errno 30] Read-only file system: '/etc/z.conf'",
      "touch: cannot touch '/srv/w': Read-only file system",
      "  code: 'EROFS',",
    ].join('\n');
    const notes = explainFailure(out, plan, wt);
    expect(notes).toEqual(
      ['/var/lib/x', '/usr/local/y.json', '/etc/z.conf', '/srv/w'].map(
        (p) =>
          `factory sandbox: writing ${p} was blocked (only the worktree, /tmp and sandbox.writable are writable); add ${path.dirname(p)} to sandbox.writable to allow it`,
      ),
    );
  });

  it('says nothing of writes the sandbox allows, and names git metadata and hidden $HOME files', async () => {
    const { wt, home, plan } = await setup();
    const notes = explainFailure(
      [
        `touch: cannot touch '${wt}/src/a.js': Read-only file system`,
        "touch: cannot touch '/opt/cache/b': Read-only file system",
        '/bin/sh: 1: cannot create .git: Read-only file system',
        `cat: ${home}/.ssh/id_rsa: No such file or directory`,
        `cat: ${home}/.ssh/missing: No such file or directory`,
      ].join('\n'),
      plan,
      wt,
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(new RegExp(`^factory sandbox: ${path.join(wt, '.git')} is git metadata`));
    expect(notes[1]).toBe(
      `factory sandbox: ${home}/.ssh/id_rsa is hidden ($HOME is private in the check); add it to sandbox.readable to let the check read it`,
    );
  });

  it('names the network only when it is off, and nothing without a sandbox', async () => {
    const { wt, plan } = await setup();
    const out = 'curl: (6) Could not resolve host: registry.npmjs.org';
    expect(explainFailure(out, plan, wt)).toEqual([
      'factory sandbox: the network is off for the check (connections fail, even to 127.0.0.1 of your machine); set sandbox.network to true to allow it',
    ]);
    expect(explainFailure(out, { ...plan, network: true }, wt)).toEqual([]);
    expect(
      explainFailure(
        '/bin/sh: 1: cannot create /etc/x: Read-only file system',
        { ...plan, kind: 'none' },
        wt,
      ),
    ).toEqual([]);
  });
});
