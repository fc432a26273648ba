/**
 * The server's state file holds the front's token: it must be readable by this user only, in a
 * folder only this user can enter, and never shown.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmod, chown, mkdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import {
  privateHome,
  publicState,
  readState,
  serverHome,
  stateFile,
  writeState,
  type ServerState,
} from '../../src/llm/state.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const state = (over: Partial<ServerState> = {}): ServerState => ({
  baseURL: 'http://127.0.0.1:18931/v1',
  daemonPid: process.pid,
  modelPid: null,
  host: '127.0.0.1',
  frontPort: 18931,
  modelPort: 18932,
  model: 'm',
  command: null,
  startedAt: new Date().toISOString(),
  startedBy: 'user',
  idleShutdown: 0,
  logFile: '/dev/null',
  phase: 'ready',
  token: 'secret-token',
  ...over,
});

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

describe('the server state file', () => {
  it('is written 0600 in a 0700 folder, and keeps the token', async () => {
    const home = serverHome('http://127.0.0.1:18931/v1', await tempDir());
    await writeState(state(), home);
    expect(await modeOf(stateFile(home))).toBe(0o600);
    expect(await modeOf(home)).toBe(0o700);
    expect((await readState(home))?.token).toBe('secret-token');
    // Rewritten (phase changes), it stays private.
    await writeState(state({ phase: 'stopping' }), home);
    expect(await modeOf(stateFile(home))).toBe(0o600);
  });

  it('tightens a folder of this user that others could enter', async () => {
    const home = path.join(await tempDir(), 'servers', 'open');
    await mkdir(home, { recursive: true, mode: 0o777 });
    await chmod(home, 0o777);
    await writeState(state(), home);
    expect(await modeOf(home)).toBe(0o700);
  });

  it('refuses a folder that is a link or belongs to another user (exit 2), writing nothing', async () => {
    const root = await tempDir();
    const elsewhere = path.join(root, 'elsewhere');
    await mkdir(elsewhere);
    const link = path.join(root, 'link');
    await symlink(elsewhere, link);
    await expect(privateHome(link)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('is not a folder'),
    });
    // Only root can give a folder away; elsewhere this case cannot be set up.
    if (process.getuid?.() === 0) {
      const theirs = path.join(root, 'theirs');
      await mkdir(theirs, { mode: 0o755 });
      await chown(theirs, 65534, 65534);
      await expect(writeState(state(), theirs)).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringContaining('owned by another user'),
      });
      expect(await readState(theirs)).toBeNull();
    }
  });

  it('is shown without its token', () => {
    const shown = publicState(state());
    expect(shown).not.toHaveProperty('token');
    expect(JSON.stringify(shown)).not.toContain('secret-token');
    expect(shown.model).toBe('m');
  });
});
