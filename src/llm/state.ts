import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What a running `factory server` leaves behind so other processes can find and stop it. */
export interface ServerState {
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
}

/** `$FACTORY_STATE_DIR`, else `$XDG_STATE_HOME/factory`, else `~/.local/state/factory`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACTORY_STATE_DIR) return path.resolve(env.FACTORY_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'factory');
}

export const stateFile = (dir = stateDir()) => path.join(dir, 'server.json');
export const logFile = (dir = stateDir()) => path.join(dir, 'server.log');

export async function readState(dir = stateDir()): Promise<ServerState | null> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as ServerState;
  } catch {
    return null;
  }
}

export async function writeState(state: ServerState, dir = stateDir()): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, stateFile(dir));
}

export async function removeState(dir = stateDir()): Promise<void> {
  await rm(stateFile(dir), { force: true });
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
