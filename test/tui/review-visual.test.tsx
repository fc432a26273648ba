/**
 * The review's task detail with the visual check: each attempt's viewports, the describer's words,
 * the browser's errors; o opens the marked screenshot with the system viewer (a real program found
 * on PATH), v marks the next one, i draws it on terminals that can.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { appendEvent } from '../../src/tasks/record.js';
import { viewerCommand } from '../../src/tui/review/viewer.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { logVisual } from '../helpers/visual-events.js';
import { KEY, mount } from './review-harness.js';

afterEach(() => cleanup());
afterAll(cleanupTemps);

const SIZE = { columns: 100, rows: 30 };

async function visualTask() {
  const dir = await makeRepo({ 'index.html': '<p>hi</p>\n' });
  const t = await taskWithAttempts(dir, 'Style the page', [
    { files: { 'index.html': '<p>one</p>\n' }, exit: 1 },
    { files: { 'index.html': '<p>two</p>\n' }, exit: 0 },
  ]);
  await appendEvent(t.repo, t.id, 'spec', {
    attempt: 1,
    spec: 'Three cards in a row; one column on a phone.',
    source: 'user',
  });
  const shots = path.join(await tempDir('factory-shots-'), '2');
  await logVisual(t.repo, t.id, shots, { attempt: 2 });
  return { dir, ...t, shots, desktop: path.join(shots, 'desktop.png'), phone: path.join(shots, 'phone.png') };
}

/** Runs `fn` with PATH set to `dirs` only, so the viewer is whatever those hold. */
async function withPath<T>(dirs: string[], fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = dirs.join(path.delimiter);
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/** A folder with a real viewer program that writes what it was asked to open into `log`, then exits with `code`. */
async function fakeViewer(log: string, code = 0): Promise<string> {
  const bin = await tempDir('factory-bin-');
  const file = path.join(bin, viewerCommand());
  await writeFile(file, `#!/bin/sh\nprintf '%s' "$1" > '${log}'\nexit ${code}\n`);
  await chmod(file, 0o755);
  return bin;
}

async function openDetail(t: Awaited<ReturnType<typeof visualTask>>, over = {}) {
  const ui = mount(t.repo, over, SIZE);
  await ui.waitFor('Style the page');
  await ui.press(KEY.enter);
  await ui.waitFor('visual check of attempt 2');
  return ui;
}

describe('review: the visual check in the task detail', () => {
  it("shows the selected attempt's viewports, descriptions, errors, folder and keys; v marks the next one", async () => {
    const t = await visualTask();
    const ui = await openDetail(t);
    const f = ui.frame();
    expect(f).toContain('visual check of attempt 2 · http://127.0.0.1:5173/ · 2.3s');
    expect(f).toContain('spec: Three cards in a row; one column on a phone.');
    expect(f).toContain('› desktop 1280x800  no overflow  desktop.png');
    expect(f).toContain(
      '    A landing page: a dark header with the logo on the left, three pricing cards in a row.',
    );
    expect(f).toContain('  phone 390x844 mobile  OVERFLOW: scrolls sideways  phone.png');
    expect(f).toContain('    (no description: the describer timed out after 60s)');
    expect(f).toContain('1 browser error:');
    expect(f).toContain('  console error: Uncaught TypeError: price is undefined (app.js:12:5)');
    expect(f).toContain(`folder ${t.shots}`);
    expect(f).toContain('o opens desktop.png in the image viewer · v marks the next one');
    // Without an image protocol the i key is not offered.
    expect(f).not.toContain('i shows it here');

    await ui.press('v');
    await ui.waitFor('marked the phone screenshot: o opens it');
    expect(ui.frame()).toContain('› phone 390x844');
    expect(ui.frame()).toContain('o opens phone.png in the image viewer');
    await ui.press('v');
    await ui.waitFor('› desktop 1280x800');

    // Attempt 1 failed its check: it was never looked at.
    await ui.press('g');
    await ui.until((fr) => !fr.includes('visual check of attempt'), 'the visual block to go');
    await ui.press('o');
    await ui.waitFor(
      'error: attempt 1.1 has no visual check (it runs after a passing check, on visual tasks)',
    );
    await ui.press('v');
    await ui.waitFor('error: attempt 1.1 has no visual check');
  });

  it('opens the marked screenshot with the system viewer, and says so when there is none', async () => {
    const t = await visualTask();
    const log = path.join(await tempDir(), 'opened.txt');
    const viewer = await fakeViewer(log);
    const failing = await fakeViewer(path.join(await tempDir(), 'failed.txt'), 3);
    const empty = await tempDir('factory-empty-path-');
    const ui = await openDetail(t);

    await withPath([empty], async () => {
      await ui.press('o');
      await ui.waitFor(`error: cannot open the screenshot: there is no ${viewerCommand()} on this system`);
    });
    // Still running, keys still work.
    await ui.press('v');
    await ui.waitFor('› phone');

    await withPath([viewer], async () => {
      await ui.press('o');
      await ui.waitFor(`done: opened ${t.phone} with ${viewerCommand()}`);
    });
    await ui.until(() => existsSync(log), 'the viewer to run');
    await expect.poll(() => readFile(log, 'utf8')).toBe(t.phone);

    await withPath([failing], async () => {
      await ui.press('o');
      await ui.waitFor(`error: ${viewerCommand()} could not open ${t.phone} (exit 3)`);
    });
  });

  it('says when the screenshots are gone, and never starts the viewer then', async () => {
    const t = await visualTask();
    await rm(t.shots, { recursive: true });
    const log = path.join(await tempDir(), 'opened.txt');
    const viewer = await fakeViewer(log);
    const ui = await openDetail(t);
    expect(ui.frame()).toContain(`folder ${t.shots} (deleted)`);
    expect(ui.frame()).toContain('desktop.png (missing)');
    expect(ui.frame()).toContain(`the screenshot ${t.desktop} is gone · v marks the next one`);
    await withPath([viewer], async () => {
      await ui.press('o');
      await ui.waitFor(`error: the screenshot ${t.desktop} is gone (its folder was deleted)`);
    });
    expect(existsSync(log)).toBe(false);
  });

  it('draws the screenshot on terminals that can (i), and says that others cannot', async () => {
    const t = await visualTask();
    const plain = await openDetail(t);
    await plain.press('i');
    await plain.waitFor('error: this terminal draws no images (kitty and iTerm2 do); o opens the screenshot');
    plain.unmount();

    const shown: [string, string, { width: number; height: number }][] = [];
    const ui = await openDetail(t, {
      showImage: (file: string, caption: string, size: { width: number; height: number }) => {
        shown.push([file, caption, size]);
      },
    });
    await ui.waitFor('o opens desktop.png in the image viewer · v marks the next one · i shows it here');
    await ui.press('v', 'i');
    await ui.waitFor('done: back from the phone screenshot of attempt 1.2');
    expect(shown).toEqual([
      [
        t.phone,
        `factory · any key returns · task 1 attempt 1.2 · phone 390x844 · ${t.phone}`,
        { width: 390, height: 844 },
      ],
    ]);
  });
});
