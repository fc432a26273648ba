/**
 * The generated sandbox policies as text: Seatbelt cannot run on these machines, so its profile is
 * checked rule by rule (and in order, since in SBPL the last matching rule wins); bwrap's argument
 * order is its policy the same way (a later mount covers an earlier one).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bwrapArgs, seatbeltProfile, type SandboxPlan } from '../../src/agent/os-sandbox/index.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A repository layout as factory makes it: the worktree inside the main repo's .git. */
async function layout() {
  const root = await tempDir('factory-sbx-layout-');
  const common = path.join(root, '.git');
  const gitDir = path.join(common, 'worktrees', '4');
  const wt = path.join(common, 'factory', 'worktrees', '4');
  mkdirSync(gitDir, { recursive: true });
  mkdirSync(wt, { recursive: true });
  writeFileSync(path.join(gitDir, 'commondir'), '../..\n');
  writeFileSync(path.join(wt, '.git'), `gitdir: ${gitDir}\n`);
  const home = path.join(root, 'home');
  mkdirSync(home);
  return { root, common, gitDir, wt, home };
}

const plan = (home: string, extra: Partial<SandboxPlan> = {}): SandboxPlan => ({
  kind: 'seatbelt',
  program: '/usr/bin/sandbox-exec',
  writable: [],
  readable: [],
  network: false,
  home,
  envAllow: [],
  envDeny: [],
  ...extra,
});

const balanced = (text: string) => {
  let depth = 0;
  for (const ch of text.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
};

describe('trust: sandbox seatbelt profile', () => {
  it('denies writes outside the worktree, /tmp and sandbox.writable, and the git metadata again', async () => {
    const l = await layout();
    const p = seatbeltProfile(plan(l.home, { writable: ['/opt/cache'] }), l.wt);
    const lines = p.trim().split('\n');
    expect(balanced(p)).toBe(true);
    expect(lines.slice(0, 2)).toEqual(['(version 1)', '(allow default)']);
    const denyAll = lines.indexOf('(deny file-write*)');
    const allow = lines.findIndex(
      (x) => x.startsWith('(allow file-write*') && x.includes(`(subpath "${l.wt}")`),
    );
    expect(denyAll).toBeGreaterThan(0);
    expect(allow).toBeGreaterThan(denyAll);
    expect(lines[allow]).toContain('(subpath "/private/tmp")');
    expect(lines[allow]).toContain('(subpath "/opt/cache")');
    // The repo's .git is denied after the allow, the worktree (inside it) allowed back, then its own
    // link file and git dir denied last.
    const denyCommon = lines.indexOf(`(deny file-write* (subpath "${l.common}"))`);
    const reallow = lines.indexOf(`(allow file-write* (subpath "${l.wt}"))`);
    const denyOwn = lines.indexOf(
      `(deny file-write* (literal "${path.join(l.wt, '.git')}") (subpath "${l.gitDir}"))`,
    );
    expect(denyCommon).toBeGreaterThan(allow);
    expect(reallow).toBeGreaterThan(denyCommon);
    expect(denyOwn).toBeGreaterThan(reallow);
    expect(lines.at(-1)).toBe('(deny network*)');
  });

  it('denies reads of the secret folders unless listed readable, and allows the network when asked', async () => {
    const l = await layout();
    const p = seatbeltProfile(plan(l.home, { readable: [path.join(l.home, '.npmrc')], network: true }), l.wt);
    const lines = p.trim().split('\n');
    const denyRead = lines.findIndex((x) => x.startsWith('(deny file-read*'));
    for (const secret of ['.ssh', '.aws', '.config/gcloud', '.gnupg'])
      expect(lines[denyRead]).toContain(`(subpath "${path.join(l.home, secret)}")`);
    expect(lines[denyRead + 1]).toBe(`(allow file-read* (subpath "${path.join(l.home, '.npmrc')}"))`);
    expect(p).not.toContain('network');
  });

  it('escapes quotes and backslashes in paths', async () => {
    const l = await layout();
    const p = seatbeltProfile(plan(l.home, { writable: ['/opt/a"b\\c'] }), l.wt);
    expect(p).toContain('(subpath "/opt/a\\"b\\\\c")');
    expect(balanced(p)).toBe(true);
  });
});

describe('trust: sandbox bwrap arguments', () => {
  it('mounts in the order that makes the policy: read-only root, private /tmp and $HOME, .git read-only around a writable worktree', async () => {
    const l = await layout();
    const args = bwrapArgs(
      plan(l.home, {
        kind: 'bwrap',
        readable: [path.join(l.home, '.npmrc')],
        writable: [l.root],
      }),
      l.wt,
      'npm test',
    );
    const at = (...seq: string[]) => {
      for (let i = 0; i <= args.length - seq.length; i++)
        if (seq.every((s, j) => args[i + j] === s)) return i;
      return -1;
    };
    for (const flag of ['--die-with-parent', '--unshare-pid', '--unshare-net', '--new-session'])
      expect(args).toContain(flag);
    const root = at('--ro-bind', '/', '/');
    const tmp = at('--tmpfs', '/tmp');
    const home = at('--tmpfs', l.home);
    const readable = at('--ro-bind-try', path.join(l.home, '.npmrc'), path.join(l.home, '.npmrc'));
    const writable = at('--bind-try', l.root, l.root);
    const common = at('--ro-bind', l.common, l.common);
    const wt = at('--bind', l.wt, l.wt);
    const link = at('--ro-bind', path.join(l.wt, '.git'), path.join(l.wt, '.git'));
    expect([root, tmp, home, readable, writable, common, wt, link].every((i) => i >= 0)).toBe(true);
    expect(root).toBeLessThan(tmp);
    expect(tmp).toBeLessThan(home);
    expect(home).toBeLessThan(readable);
    // A writable folder that holds the repository cannot unlock its .git: that comes later.
    expect(writable).toBeLessThan(common);
    expect(common).toBeLessThan(wt);
    expect(wt).toBeLessThan(link);
    expect(args.slice(-4)).toEqual(['--', '/bin/sh', '-c', 'npm test']);
  });

  it('keeps the network when allowed', async () => {
    const l = await layout();
    expect(bwrapArgs(plan(l.home, { kind: 'bwrap', network: true }), l.wt, 'true')).not.toContain(
      '--unshare-net',
    );
  });
});
