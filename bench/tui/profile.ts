import { Session } from 'node:inspector/promises';
import type { Profiler, Runtime } from 'node:inspector';

/** Samples every 100 µs: enough for frames of a few ms. */
const INTERVAL_US = 100;

/** Runs `work` under V8's CPU profiler. */
export async function cpuProfile(work: () => Promise<void>): Promise<Profiler.Profile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await session.post('Profiler.start');
    try {
      await work();
    } catch (e) {
      await session.post('Profiler.stop').catch(() => undefined);
      throw e;
    }
    return (await session.post('Profiler.stop')).profile;
  } finally {
    session.disconnect();
  }
}

/** `…/node_modules/@scope/name/…` -> `@scope/name`; the project's own files by path; V8's pseudo-frames as they are. */
function owner(frame: Runtime.CallFrame): string {
  const url = frame.url;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  if (url.startsWith('node:')) return 'node internals';
  if (url) return 'other';
  // V8's pseudo-frames, `(garbage collector)` and the like, as they are; else a native function.
  return frame.functionName.startsWith('(') ? frame.functionName : `${frame.functionName || '?'} (native)`;
}

const STOP_FRAME: Runtime.CallFrame = {
  functionName: 'dispatch',
  scriptId: '',
  url: '',
  lineNumber: -1,
  columnNumber: -1,
};

/** Self time per key, as shares of the busy (not idle) time, the largest first. */
function shares(profile: Profiler.Profile, key: (f: Runtime.CallFrame) => string, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  const deltas = profile.timeDeltas ?? [];
  for (const [k, id] of (profile.samples ?? []).entries()) {
    const node = byId.get(id);
    if (!node) continue;
    const name = key(node.callFrame);
    ms.set(name, (ms.get(name) ?? 0) + (deltas[k] ?? 0) / 1000);
  }
  ms.delete('(idle)');
  // The inspector's own call: stopping the profiler serializes the whole profile.
  ms.delete(key(STOP_FRAME));
  const busy = [...ms.values()].reduce((a, b) => a + b, 0);
  return [...ms.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => `${name} ${Math.round((100 * t) / busy)}%`)
    .join(', ');
}

/** Where the CPU went: self time by package, and the functions that took most of it. */
export function describeProfile(profile: Profiler.Profile): string[] {
  const fn = (f: Runtime.CallFrame) =>
    f.url ? `${f.functionName || '(anonymous)'} (${owner(f)})` : owner(f);
  return [`self time by package: ${shares(profile, owner, 8)}`, `top functions: ${shares(profile, fn, 6)}`];
}
