import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { useEffect, useState } from 'react';
import type { Repo } from '../../../git/repo.js';
import { tasksDir } from '../../../tasks/paths.js';

export interface WatchTicks {
  /** Bumps when a task's record, event log or run lock changes, or a task appears. */
  tasks: number;
  /** Bumps when a Coder's streamed text grows. */
  stream: number;
}

const STREAM_FILE = 'coder-stream.txt';
const DEBOUNCE_MS = 150;

/**
 * Watches the task directories (inotify and friends, no polling) and turns their changes into
 * two counters. The streamed Coder text is apart because it changes ten times a second while a
 * task runs, and only the detail screen needs it: the list must not reload at that rate.
 */
export function useTaskWatch(repo: Repo): WatchTicks {
  const [ticks, setTicks] = useState<WatchTicks>({ tasks: 0, stream: 0 });
  useEffect(() => {
    let closed = false;
    const watchers = new Map<string, FSWatcher>();
    const timers: { tasks?: NodeJS.Timeout; stream?: NodeJS.Timeout } = {};
    const bump = (which: keyof WatchTicks) => {
      if (timers[which]) return;
      timers[which] = setTimeout(() => {
        timers[which] = undefined;
        if (closed) return;
        if (which === 'tasks') sync();
        setTicks((t) => ({ ...t, [which]: t[which] + 1 }));
      }, DEBOUNCE_MS);
    };
    const add = (dir: string) => {
      if (watchers.has(dir)) return;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) =>
          bump(name === STREAM_FILE ? 'stream' : 'tasks'),
        );
        w.on('error', () => {
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch {
        // The directory went away between listing and watching: the parent's watcher sees it.
      }
    };
    const sync = () => {
      const root = tasksDir(repo);
      if (!existsSync(root)) {
        // No task yet: watch the nearest existing parent until the tasks directory appears.
        add(existsSync(repo.factoryDir) ? repo.factoryDir : repo.commonDir);
        return;
      }
      add(root);
      let names: string[] = [];
      try {
        names = readdirSync(root).filter((n) => /^\d+$/.test(n));
      } catch {
        return;
      }
      for (const n of names) add(path.join(root, n));
      for (const [dir, w] of watchers)
        if (dir !== root && dir.startsWith(root) && !names.includes(path.basename(dir))) {
          w.close();
          watchers.delete(dir);
        }
    };
    sync();
    return () => {
      closed = true;
      clearTimeout(timers.tasks);
      clearTimeout(timers.stream);
      for (const w of watchers.values()) w.close();
    };
  }, [repo]);
  return ticks;
}
