import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxDecision, usernsUnavailable } from '../../src/visual/browser-sandbox.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A folder laid out like /proc/sys with the given values. */
async function procWith(values: Record<string, string>): Promise<string> {
  const root = await tempDir();
  for (const [name, value] of Object.entries(values)) {
    const file = path.join(root, 'sys', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${value}\n`);
  }
  return root;
}

describe("Chromium's sandbox", () => {
  it('stays on for a normal user where user namespaces work, on Linux and macOS', () => {
    expect(sandboxDecision({ platform: 'linux', uid: 1000, userns: undefined })).toEqual({ sandbox: true });
    expect(sandboxDecision({ platform: 'darwin', uid: 501, userns: undefined })).toEqual({ sandbox: true });
  });

  it('is off as root, and says why', () => {
    const d = sandboxDecision({ platform: 'linux', uid: 0, userns: undefined });
    expect(d).toEqual({ sandbox: false, reason: 'running as root, where Chromium refuses its sandbox' });
  });

  it('is off on Linux when user namespaces are disabled, naming the setting', async () => {
    const debian = usernsUnavailable(await procWith({ 'kernel/unprivileged_userns_clone': '0' }));
    expect(debian).toBe('kernel.unprivileged_userns_clone is 0');
    expect(sandboxDecision({ platform: 'linux', uid: 1000, userns: debian })).toEqual({
      sandbox: false,
      reason: 'user namespaces are unavailable (kernel.unprivileged_userns_clone is 0)',
    });
    expect(usernsUnavailable(await procWith({ 'user/max_user_namespaces': '0' }))).toBe(
      'user.max_user_namespaces is 0',
    );
  });

  it('counts namespaces as available when the settings allow them or do not exist', async () => {
    const on = await procWith({
      'kernel/unprivileged_userns_clone': '1',
      'user/max_user_namespaces': '63229',
    });
    expect(usernsUnavailable(on)).toBeUndefined();
    expect(usernsUnavailable(await procWith({}))).toBeUndefined();
  });
});
