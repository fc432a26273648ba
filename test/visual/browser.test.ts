import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBrowser } from '../../src/visual/browser.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

async function executable(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
  return file;
}

function refusal(f: () => unknown): FactoryError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FactoryError);
    return e as FactoryError;
  }
  throw new Error('expected a refusal');
}

describe('findBrowser', () => {
  it('takes visual.browser when it is an executable file', async () => {
    const dir = await tempDir();
    const file = await executable(dir, 'my-chrome');
    expect(findBrowser(file, { PATH: '' })).toBe(file);
  });

  it('refuses a configured path that does not exist, with the install command', async () => {
    const missing = path.join(await tempDir(), 'no-such-chrome');
    const e = refusal(() => findBrowser(missing, { PATH: '', platform: 'linux' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`visual.browser: ${missing} is not an executable file`);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toContain('sudo apt-get install chromium');
  });

  it('refuses a configured path that is not executable, or a folder', async () => {
    const dir = await tempDir();
    const plain = path.join(dir, 'chrome.txt');
    await writeFile(plain, 'not a program');
    expect(refusal(() => findBrowser(plain, { PATH: '' })).message).toContain('is not an executable file');
    expect(refusal(() => findBrowser(dir, { PATH: '' })).message).toContain('is not an executable file');
  });

  it('finds the names on PATH in order: chromium before google-chrome, whatever the folder order', async () => {
    const root = await tempDir();
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    await executable(a, 'google-chrome');
    const chromium = await executable(b, 'chromium-browser');
    expect(findBrowser(undefined, { PATH: [a, b].join(path.delimiter) })).toBe(chromium);
    await executable(a, 'google-chrome-stable');
    expect(findBrowser(undefined, { PATH: a })).toBe(path.join(a, 'google-chrome'));
  });

  it('skips a non-executable file of the right name', async () => {
    const root = await tempDir();
    await writeFile(path.join(root, 'chromium'), 'not a program');
    const chrome = await executable(root, 'google-chrome');
    expect(findBrowser(undefined, { PATH: root })).toBe(chrome);
  });

  it('refuses when none is found, in one line, with the install command for the platform', async () => {
    const empty = await tempDir();
    const linux = refusal(() => findBrowser(undefined, { PATH: empty, platform: 'linux' }));
    expect(linux.exitCode).toBe(2);
    expect(linux.message).toBe(
      'no Chromium or Chrome found for the visual check (looked for chromium, chromium-browser, google-chrome, google-chrome-stable on PATH)',
    );
    expect(linux.hint).toContain('`sudo apt-get install chromium`');
    // On macOS the /Applications paths are tried too (absent here), then brew is suggested.
    const mac = refusal(() => findBrowser(undefined, { PATH: empty, platform: 'darwin' }));
    expect(mac.hint).toContain('`brew install --cask chromium`');
  });
});
