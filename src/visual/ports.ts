/**
 * The port of a task's app, and where the browser goes. Each task's visual step gets its own
 * free port: `freePort` asks the OS for one nobody listens on, and the reservation set keeps two
 * tasks of this process from getting the same one between the pick and the app's listen (the OS
 * may hand a port it just gave out to the next caller). Another process can still take it in
 * that window: the app then fails to listen, and its start reports that with its output.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/schema.js';
import { FactoryError } from '../errors.js';
import { freePort } from '../llm/free-port.js';

const reserved = new Set<number>();

export interface PortReservation {
  port: number;
  /** Frees the port for other tasks; call when the task's visual step ends. Idempotent. */
  release(): void;
}

/** A free port on 127.0.0.1 no other task of this process holds. */
export async function reservePort(): Promise<PortReservation> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await freePort('127.0.0.1');
    if (reserved.has(port)) continue;
    reserved.add(port);
    let held = true;
    return {
      port,
      release() {
        if (held) reserved.delete(port);
        held = false;
      },
    };
  }
  throw new FactoryError(
    'no free port for the visual check: every one the OS offered is held by another task',
  );
}

/** The ports held right now, for tests and diagnostics. */
export function reservedPorts(): number[] {
  return [...reserved];
}

/** `{port}` replaced by the task's port, everywhere in `text`. */
export function withPort(text: string, port: number): string {
  return text.replaceAll('{port}', String(port));
}

export interface AppTargets {
  /** The start command with its port; null when there is nothing to start (a file:// page). */
  command: string | null;
  /** The page the browser opens: http(s) with the port, or an absolute file:// URL in the worktree. */
  url: string;
  /** What startApp polls until the app answers; null for a file:// page. */
  readyUrl: string | null;
}

/**
 * The command, page and ready URLs of a task's app on `port`. A file:// page resolves inside
 * `worktree` (symbolic links included); one that leads out of it is refused, as the configuration
 * check refuses a path with "..".
 */
export function appTargets(
  visual: NonNullable<Config['visual']>,
  port: number,
  worktree: string,
): AppTargets {
  if (visual.url.startsWith('file://')) {
    return { command: null, url: fileUrlIn(visual.url, worktree), readyUrl: null };
  }
  const url = withPort(visual.url, port);
  return {
    command: visual.start === null ? null : withPort(visual.start, port),
    url,
    readyUrl: new URL(visual.ready, new URL(url).origin).toString(),
  };
}

function fileUrlIn(url: string, worktree: string): string {
  const rest = url.slice('file://'.length);
  const cut = rest.search(/[?#]/);
  const rel = cut < 0 ? rest : rest.slice(0, cut);
  const suffix = cut < 0 ? '' : rest.slice(cut);
  const root = realpathSync(worktree);
  const file = path.resolve(root, rel);
  const outside = (p: string) => p !== root && !p.startsWith(`${root}${path.sep}`);
  if (outside(file) || outside(realInside(file)))
    throw new FactoryError(
      `visual.url: ${JSON.stringify(url)} leads out of the task's worktree (${root}); the page must be a file in it`,
      { exitCode: 2 },
    );
  return pathToFileURL(file).toString() + suffix;
}

/** The real path of `file`, or of its nearest existing folder (a page the task has not written yet). */
function realInside(file: string): string {
  for (let p = file; ; p = path.dirname(p)) {
    try {
      const real = realpathSync(p);
      return path.join(real, path.relative(p, file));
    } catch {
      if (path.dirname(p) === p) return file;
    }
  }
}
