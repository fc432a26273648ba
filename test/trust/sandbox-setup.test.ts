/**
 * worktree.setup runs code from the repository (often `npm ci`): in the same sandbox as the
 * check, but with the network on by default, since it usually installs dependencies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemps } from '../helpers/git-repo.js';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';
import { cli, e2eRepo, worktreeOf } from '../e2e/support.js';
import { killMarked, settledDaemons, snapshot, stage, type Stage } from './sandbox-support.js';

let s: Stage;
let outsideDir: TempFolder;
let outside: string;

beforeAll(async () => {
  s = await stage();
  // Not under /tmp: a sandboxed command has a private /tmp.
  outsideDir = await tempFolder('factory-sbx-setup', '/var/tmp');
  outside = outsideDir.path;
  writeFileSync(path.join(outside, 'keep.txt'), 'keep\n');
});

afterAll(async () => {
  killMarked();
  await outsideDir?.remove();
  await s.close();
  await cleanupTemps();
});

describe('trust: sandbox for worktree.setup', () => {
  it('builds in the worktree, cannot write outside or read $HOME, has the network, and leaves no daemon', async () => {
    const setup = [
      'echo built > built.txt',
      `(echo x > ${outside}/setup.txt) 2>/dev/null || echo "outside: blocked" >> built.txt`,
      '(cat "$HOME/.ssh/id_rsa" > key.txt) 2>/dev/null || echo "key: hidden" >> built.txt',
      `node -e "require('net').connect(${s.port},'127.0.0.1').on('connect',()=>{require('fs').appendFileSync('built.txt','net: on\\\\n');process.exit(0)}).on('error',()=>process.exit(0))"`,
      'setsid -f sleep 7771',
    ].join('; ');
    const { dir } = await e2eRepo(
      { 'README.md': '# x\n' },
      { worktree: { setup, pool: 0 }, sandbox: 'bwrap' },
    );
    const home = snapshot(s.home);
    const r = await cli(dir, ['new', 'setup in the sandbox'], { HOME: s.home });
    expect(r.code, r.stderr).toBe(0);
    const built = readFileSync(path.join(worktreeOf(dir, 1), 'built.txt'), 'utf8');
    expect(built).toBe('built\noutside: blocked\nkey: hidden\nnet: on\n');
    expect(snapshot(outside)).toEqual({ 'keep.txt 644': Buffer.from('keep\n').toString('base64') });
    expect(snapshot(s.home)).toEqual(home);
    expect(s.connections()).toBe(1);
    expect(await settledDaemons(10_000)).toEqual([]);
  }, 90_000);
});
