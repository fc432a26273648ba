import { chmod, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { refuse } from '../errors.js';
import os from 'node:os';
import path from 'node:path';

/** What a running `factory server` leaves behind so other processes can find and stop it. */
export interface ServerState {
  /** The URL the queue front serves: one server per baseURL. */
  baseURL: string;
  /** The supervisor: runs the queue front and watches the model server. */
  daemonPid: number;
  /** The model server's pid, which is also its process group id. */
  modelPid: number | null;
  host: string;
  frontPort: number;
  modelPort: number | null;
  model: string;
  command: string[] | null;
  startedAt: string;
  /** 'user' when started by `factory server start`; 'auto' when `factory task` started it. */
  startedBy: 'user' | 'auto';
  /** Minutes of no requests before an auto-started server stops itself; 0 = never. */
  idleShutdown: number;
  logFile: string;
  phase: 'starting' | 'ready' | 'failed' | 'stopping';
  /** Why it failed, or why the model server exited. */
  error?: string;
  /** The model server's software, learnt from its command or by asking it (see server-flavor.ts). */
  flavor?: 'mlx' | 'llamacpp' | 'ollama' | 'generic';
  /**
   * The secret the queue front requires from every client (`Authorization: Bearer …`). Only in
   * this file (mode 0600, in a folder only the user can enter); never printed: see publicState.
   * Absent in the state of a server started by an older factory.
   */
  token?: string;
  /** What `factory server start` estimated this model server needs (with a describer, see model-memory.ts). */
  memory?: { bytes: number | null; from: string };
}

/** The state as it may be shown (status output, --json): everything but the token. */
export function publicState(state: ServerState): Omit<ServerState, 'token'> {
  const { token: _token, ...shown } = state;
  return shown;
}

/** `$FACTORY_STATE_DIR`, else `$XDG_STATE_HOME/factory`, else `~/.local/state/factory`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACTORY_STATE_DIR) return path.resolve(env.FACTORY_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'factory');
}

/**
 * The folder of the server for one baseURL, under the user's state folder. State is kept per URL,
 * so servers for different URLs (repo A on :18931, repo B on :18932) run side by side. Only the
 * host and port count: they are what the queue front listens on.
 */
export function serverHome(baseURL: string, root = stateDir()): string {
  const url = new URL(baseURL);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return path.join(root, 'servers', `${url.hostname}-${port}`.replace(/[^A-Za-z0-9.-]/g, '_'));
}

/** Every server folder under the state folder, whether its server runs or not. */
export async function serverHomes(root = stateDir()): Promise<string[]> {
  const dir = path.join(root, 'servers');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** `home` is a server's folder (see serverHome). */
export const stateFile = (home: string) => path.join(home, 'server.json');
export const logFile = (home: string) => path.join(home, 'server.log');

export async function readState(home: string): Promise<ServerState | null> {
  try {
    return JSON.parse(await readFile(stateFile(home), 'utf8')) as ServerState;
  } catch {
    return null;
  }
}

/**
 * Makes `home` a folder only this user can enter (0700), creating it if need be: it holds the
 * front's token and the pids `server stop` kills. A folder of this user's that others could read
 * or write is tightened; one that is not this user's (or is a link) is refused.
 */
export async function privateHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const st = await lstat(home);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid))
    throw refuse(
      `the factory server folder ${home} is ${st.isDirectory() ? 'owned by another user' : 'not a folder'}, so its state cannot be kept private`,
      'remove it, or set FACTORY_STATE_DIR to a folder of your own',
    );
  if ((st.mode & 0o077) !== 0) await chmod(home, 0o700);
}

let writes = 0;

export async function writeState(state: ServerState, home: string): Promise<void> {
  await privateHome(home);
  // A new file each time (two writes of one process may overlap), readable by this user only.
  const tmp = `${stateFile(home)}.${process.pid}.${++writes}.tmp`;
  await rm(tmp, { force: true });
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(tmp, stateFile(home));
}

export async function removeState(home: string): Promise<void> {
  await rm(stateFile(home), { force: true });
}

export function pidAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
