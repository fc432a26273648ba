import { afterAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { headOid, listRefs, readRef, readRefs, refOid } from '../../src/git/ref-files.js';
import { openRepo } from '../../src/git/repo.js';
import { cleanupTemps, makeRepo, sh } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const PREFIXES = ['refs/factory/', 'refs/heads/factory/'];

/** What `git for-each-ref` lists under the prefixes, as a map. */
function forEachRef(dir: string, prefixes = PREFIXES): Map<string, string> {
  const out = sh(dir, 'for-each-ref', '--format=%(refname) %(objectname)', ...prefixes);
  return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

/** A repo with factory-like refs: some packed, one of those moved since (loose again). */
async function repoWithRefs(): Promise<{ dir: string; first: string; second: string }> {
  const dir = await makeRepo();
  const first = sh(dir, 'rev-parse', 'HEAD');
  sh(dir, 'commit', '-q', '--allow-empty', '-m', 'second');
  const second = sh(dir, 'rev-parse', 'HEAD');
  sh(dir, 'update-ref', 'refs/factory/1/attempts/1', first);
  sh(dir, 'update-ref', 'refs/factory/1/attempts/2', second);
  sh(dir, 'update-ref', 'refs/heads/factory/1-a', first);
  sh(dir, 'update-ref', 'refs/heads/factory/2-b', first);
  sh(dir, 'pack-refs', '--all');
  sh(dir, 'update-ref', 'refs/heads/factory/1-a', second); // loose now, over its packed line
  sh(dir, 'update-ref', 'refs/factory/2/attempts/1', second); // loose only
  sh(dir, 'update-ref', 'refs/heads/other', first); // outside the prefixes
  return { dir, first, second };
}

describe('reading refs from their files', () => {
  it('lists what for-each-ref lists: loose, packed, and loose over packed', async () => {
    const { dir, first, second } = await repoWithRefs();
    const repo = await openRepo(dir);
    const refs = await readRefs(repo.commonDir, PREFIXES);
    expect(refs).toEqual(forEachRef(dir));
    expect([...refs!.keys()]).toEqual([...forEachRef(dir).keys()]);
    expect(refs!.get('refs/heads/factory/1-a')).toBe(second);
    expect(refs!.get('refs/heads/factory/2-b')).toBe(first);
    expect(await readRefs(repo.commonDir, ['refs/factory/1/attempts/'])).toEqual(
      forEachRef(dir, ['refs/factory/1/attempts/']),
    );
  });

  it('reads one ref, packed or loose, and null for one that does not exist', async () => {
    const { dir, first, second } = await repoWithRefs();
    const repo = await openRepo(dir);
    expect(await readRef(repo.commonDir, 'refs/heads/factory/2-b')).toBe(first);
    expect(await readRef(repo.commonDir, 'refs/heads/factory/1-a')).toBe(second);
    expect(await readRef(repo.commonDir, 'refs/heads/factory/9-none')).toBeNull();
    expect(await refOid(repo, 'refs/heads/factory/9-none')).toBeNull();
    // A prefix of a ref is no ref.
    expect(await readRef(repo.commonDir, 'refs/heads/factory/2')).toBeNull();
  });

  it('skips a ref being written (.lock), as git does', async () => {
    const { dir } = await repoWithRefs();
    const repo = await openRepo(dir);
    await writeFile(path.join(repo.commonDir, 'refs/factory/2/attempts/2.lock'), 'partial');
    expect(await readRefs(repo.commonDir, PREFIXES)).toEqual(forEachRef(dir));
  });

  it('leaves a symbolic ref to git, and listRefs and refOid still answer as git does', async () => {
    const { dir, second } = await repoWithRefs();
    const repo = await openRepo(dir);
    sh(dir, 'symbolic-ref', 'refs/heads/factory/3-sym', 'refs/heads/factory/1-a');
    expect(await readRefs(repo.commonDir, PREFIXES)).toBeUndefined();
    expect(await readRef(repo.commonDir, 'refs/heads/factory/3-sym')).toBeUndefined();
    expect(await listRefs(repo, PREFIXES)).toEqual(forEachRef(dir));
    expect(await refOid(repo, 'refs/heads/factory/3-sym')).toBe(second);
  });

  it('leaves a damaged packed-refs to git', async () => {
    const { dir } = await repoWithRefs();
    const repo = await openRepo(dir);
    await writeFile(path.join(repo.commonDir, 'packed-refs'), 'not a packed ref line\n');
    expect(await readRefs(repo.commonDir, PREFIXES)).toBeUndefined();
    expect(await readRef(repo.commonDir, 'refs/heads/factory/2-b')).toBeUndefined();
  });

  it('reads HEAD as git does: on a loose branch, on a packed one, detached, and on a symbolic ref', async () => {
    const { dir, first, second } = await repoWithRefs();
    const repo = await openRepo(dir);
    expect(await headOid(repo)).toBe(sh(dir, 'rev-parse', 'HEAD'));
    sh(dir, 'checkout', '-q', 'factory/2-b'); // packed only
    expect(await headOid(repo)).toBe(first);
    sh(dir, 'checkout', '-q', '--detach', second);
    expect(await headOid(repo)).toBe(second);
    sh(dir, 'symbolic-ref', 'refs/heads/factory/3-sym', 'refs/heads/factory/1-a');
    sh(dir, 'symbolic-ref', 'HEAD', 'refs/heads/factory/3-sym');
    expect(await headOid(repo)).toBe(second);
  });
});
