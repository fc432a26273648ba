/**
 * Diffs read in one git process (`diff-tree --stdin`), the net change of a chain of diffs, and
 * the test that spares the merge queue's order a trial merge: each checked against git itself.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { mayConflict, netChange, treeChange, treeChanges } from '../../src/git/tree-changes.js';
import { mergeConflicts } from '../../src/git/conflicts.js';
import { openRepo } from '../../src/git/repo.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A commit on `from` (detached) with `files` written and `gone` deleted. */
async function commitOn(
  dir: string,
  from: string,
  files: Record<string, string>,
  gone: string[] = [],
): Promise<string> {
  sh(dir, 'checkout', '-q', '--detach', from);
  await writeFiles(dir, files);
  for (const g of gone) await rm(path.join(dir, g), { recursive: true });
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-q', '--allow-empty', '-m', 'c');
  return sh(dir, 'rev-parse', 'HEAD');
}

const BASE = { 'a.txt': 'a\n', 'lib/x.ts': 'x\n', 'lib/y.ts': 'y\n', 'doc/readme': 'r\n' };

describe('tree changes', () => {
  it('reads several diffs in one process exactly as one process each would', async () => {
    const dir = await makeRepo(BASE);
    const base = sh(dir, 'rev-parse', 'HEAD');
    const hexName = 'f'.repeat(40);
    const one = await commitOn(dir, base, {
      'a.txt': 'b\n',
      'new dir/with space.txt': 'n\n',
      [hexName]: 'h\n',
    });
    const two = await commitOn(dir, base, { 'lib/z.ts': 'z\n' }, ['lib/x.ts']);
    const same = await commitOn(dir, base, {});
    const repo = await openRepo(dir);
    const pairs = [
      { from: base, to: one },
      { from: base, to: same },
      { from: base, to: two },
    ];
    const batch = await treeChanges(repo, pairs);
    const single = await Promise.all(pairs.map((p) => treeChange(repo, p.from, p.to)));
    expect(batch).toEqual(single);
    expect([...batch[0]!]).toEqual([
      ['a.txt', 'M'],
      [hexName, 'A'],
      ['new dir/with space.txt', 'A'],
    ]);
    expect(batch[1]!.size).toBe(0);
    expect([...batch[2]!]).toEqual([
      ['lib/x.ts', 'D'],
      ['lib/z.ts', 'A'],
    ]);
    // The same commit twice as `to`: each diff is read on its own, still right.
    const twice = [
      { from: base, to: two },
      { from: one, to: two },
    ];
    expect(await treeChanges(repo, twice)).toEqual(
      await Promise.all(twice.map((p) => treeChange(repo, p.from, p.to))),
    );
  });

  it('nets a chain of diffs: added and deleted exactly, every touched path listed', () => {
    const steps = [
      new Map([
        ['new', 'A'],
        ['gone', 'D'],
        ['brief', 'A'],
        ['back', 'D'],
        ['kept', 'M'],
      ]),
      new Map([
        ['new', 'M'],
        ['brief', 'D'],
        ['back', 'A'],
      ]),
    ];
    const net = netChange(steps);
    expect(net.added).toEqual(['new']);
    expect([...net.deleted]).toEqual(['gone']);
    // In the head: what a first change does not add (`back` was deleted, then added back).
    expect(net.existing).toEqual(['gone', 'back', 'kept']);
    expect(net.files.sort()).toEqual(['back', 'brief', 'gone', 'kept', 'new']);
  });

  it('says two changes may conflict whenever merge-tree finds a conflict', async () => {
    const dir = await makeRepo(BASE);
    const base = sh(dir, 'rev-parse', 'HEAD');
    const repo = await openRepo(dir);
    const cases: [string, Record<string, string>, string[], Record<string, string>, string[]][] = [
      ['different files', { 'a.txt': 'A\n' }, [], { 'lib/x.ts': 'X\n' }, []],
      ['the same file', { 'a.txt': 'A\n' }, [], { 'a.txt': 'B\n' }, []],
      ['a file where the other makes a folder', { c: 'file\n' }, [], { 'c/inner.txt': 'i\n' }, []],
      [
        'a folder renamed while the other adds to it',
        { 'src/x.ts': 'x\n', 'src/y.ts': 'y\n' },
        ['lib'],
        { 'lib/w.ts': 'w\n' },
        [],
      ],
      ['new files side by side', { 'doc/one': '1\n' }, [], { 'doc/two': '2\n' }, []],
    ];
    const seen: Record<string, [boolean, boolean]> = {};
    for (const [name, filesA, goneA, filesB, goneB] of cases) {
      const a = await commitOn(dir, base, filesA, goneA);
      const b = await commitOn(dir, base, filesB, goneB);
      const [ca, cb] = await treeChanges(repo, [
        { from: base, to: a },
        { from: base, to: b },
      ]);
      const conflicts = (await mergeConflicts(repo, a, b)).length > 0;
      const may = mayConflict(ca!, cb!);
      seen[name] = [may, conflicts];
      // Never a conflict it did not see coming.
      if (conflicts) expect(may, name).toBe(true);
    }
    expect(seen['different files']).toEqual([false, false]);
    expect(seen['new files side by side']).toEqual([false, false]);
    expect(seen['the same file']).toEqual([true, true]);
    expect(seen['a file where the other makes a folder']).toEqual([true, true]);
    expect(seen['a folder renamed while the other adds to it']).toEqual([true, true]);
  });
});
