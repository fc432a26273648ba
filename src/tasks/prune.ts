import path from 'node:path';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import type { Repo } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { git } from '../git/run.js';
import { listWorktrees, removeWorktree } from '../git/worktree.js';
import { taskRefPrefix } from '../git/refs.js';
import { poolPrefix, queuePrefix, taskDir } from './paths.js';
import { isOwnWorktree } from '../git/worktree-link.js';
import { ownsFolder, unmarkFolder } from './folder-marks.js';
import { checkedWorktreesDir, DIR_MARKER } from './worktrees-dir.js';
import { readEvents, readRecord, taskIds, type TaskRecord } from './record.js';
import { taskStatus } from './status.js';
import type { WorktreeOptions } from './options.js';

export interface PruneItem {
  kind: 'folder' | 'worktree' | 'record' | 'refs';
  path: string;
  reason: string;
}

async function deleteRefs(repo: Repo, id: number): Promise<void> {
  const out = await git(['for-each-ref', '--format=%(refname)', taskRefPrefix(id)], { cwd: repo.root });
  // Hand edits saved by `merge/discard --force` are the user's work: prune never deletes them.
  const refs = out.stdout.split('\n').filter((r) => r && !r.startsWith(`${taskRefPrefix(id)}saved/`));
  if (refs.length)
    await git(['update-ref', '--stdin'], {
      cwd: repo.root,
      input: refs.map((r) => `delete ${r}\n`).join(''),
    });
}

/**
 * Finds (and unless dryRun, removes) the three kinds of orphan: worktree folders git does not
 * list, git worktrees with no task record, and task records with no worktree; plus the refs and
 * records of discarded tasks, which are kept until now so a discard can be taken back.
 *
 * It only ever deletes a folder that git lists as one of this repository's worktrees (linked
 * both ways) in the task worktree folder, or one that factory marked as made by itself: never
 * the main tree, a folder it did not make, nor another repository's worktree.
 */
export async function pruneTasks(repo: Repo, opts: WorktreeOptions, dryRun: boolean): Promise<PruneItem[]> {
  return withRepoLock(repo.factoryDir, async () => {
    // Refuses a worktree.dir factory must not delete in, before looking at anything.
    const dir = await checkedWorktreesDir(repo, opts);
    if (!dryRun) await git(['worktree', 'prune'], { cwd: repo.root });
    const items: PruneItem[] = [];
    // The first entry is the main worktree: never a candidate, whatever the folder.
    const listed = (await listWorktrees(repo)).slice(1);
    const listedPaths = new Set(listed.map((w) => w.path));
    const records = new Map<number, TaskRecord>();
    for (const id of await taskIds(repo)) {
      const rec = await readRecord(repo, id).catch(() => null);
      if (rec) records.set(id, rec);
      else items.push({ kind: 'record', path: taskDir(repo, id), reason: 'unreadable task record' });
    }
    const recordPaths = new Set([...records.values()].map((r) => r.worktree));

    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = path.join(dir, name);
      if (name === DIR_MARKER || listedPaths.has(p) || path.resolve(p) === repo.root) continue;
      if (await ownsFolder(repo, p))
        items.push({
          kind: 'folder',
          path: p,
          reason: 'folder factory made that git does not list as a worktree',
        });
    }
    for (const w of listed) {
      if (path.dirname(w.path) !== dir || path.basename(w.path).startsWith(poolPrefix)) continue;
      // A running merge queue's scratch worktree; the queue's journal takes care of a killed one.
      if (path.basename(w.path).startsWith(queuePrefix)) continue;
      if (recordPaths.has(w.path) || !(await isOwnWorktree(repo.commonDir, w.path))) continue;
      items.push({ kind: 'worktree', path: w.path, reason: 'git worktree with no task record' });
    }
    for (const rec of records.values()) {
      const status = await taskStatus(repo, rec.id, await readEvents(repo, rec.id));
      if (status.status === 'discarded')
        items.push({
          kind: 'refs',
          path: taskDir(repo, rec.id),
          reason: `discarded task ${rec.id}: record and attempt refs`,
        });
      else if (status.status !== 'merged' && status.status !== 'running' && !existsSync(rec.worktree))
        items.push({
          kind: 'record',
          path: taskDir(repo, rec.id),
          reason: `task ${rec.id} has no worktree (its branch ${rec.branch} is kept)`,
        });
    }
    if (dryRun) return items;

    for (const item of items) {
      if (item.kind === 'folder') {
        await rm(item.path, { recursive: true, force: true });
        await unmarkFolder(repo, item.path);
      } else if (item.kind === 'worktree') {
        await removeWorktree(repo, item.path);
        await unmarkFolder(repo, item.path);
      } else {
        const id = Number(path.basename(item.path));
        if (item.kind === 'refs' && Number.isInteger(id)) await deleteRefs(repo, id);
        await rm(item.path, { recursive: true, force: true });
      }
    }
    return items;
  });
}
