/**
 * The visual check's capture with real Chromium (the system's, as factory finds it) on the
 * fixture site served over real HTTP and as file://: the screenshots' sizes, the phone-only
 * overflow, the script error and the missing file, none of them on the fixed site, the bounds, and
 * no browser process left behind after a capture, an abort, a hung launch.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/visual/capture.js';
import { findBrowser } from '../../src/visual/browser.js';
import { launchBrowser } from '../../src/visual/browser-launch.js';
import { MAX_ENTRIES } from '../../src/visual/capture-bounds.js';
import type { VisualCapture } from '../../src/visual/visual-json.js';
import { spawn } from 'node:child_process';
import { cleanupTemps, projectRoot, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { liveGroupMember } from '../helpers/live-group.js';
import { serveFolder } from '../helpers/static-site.js';
import { waitFor } from './support.js';

const BUGGY = path.join(projectRoot, 'fixtures/visual-site');
const FIXED = path.join(projectRoot, 'fixtures/visual-site-fixed');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844, mobile: true },
];
const THROWN = "Cannot read properties of null (reading 'addEventListener')";

let chromium: string;
beforeAll(() => {
  chromium = findBrowser();
});
afterAll(cleanupTemps);

/** Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian). */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

interface BrowserProcess {
  pid: number;
  pgid: number;
  userDataDir: string;
}

/** The browser this test process started: a child of it, driven over a pipe. */
function browserChild(): BrowserProcess | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    let args: string[];
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) !== process.pid || state === 'Z' || !args.includes('--remote-debugging-pipe')) continue;
    const dataDir = args.find((a) => a.startsWith('--user-data-dir='));
    return { pid: Number(name), pgid: Number(pgid), userDataDir: dataDir!.slice('--user-data-dir='.length) };
  }
  return undefined;
}

function expectGone(p: BrowserProcess): void {
  expect(liveGroupMember(p.pgid), `a process of the browser's group ${p.pgid} is still alive`).toBe(false);
  expect(existsSync(p.userDataDir), `${p.userDataDir} was left behind`).toBe(false);
}

const byName = (c: VisualCapture, name: string) => c.viewports.find((v) => v.name === name)!;

describe('the buggy fixture site over HTTP', () => {
  let result: VisualCapture;
  let outDir: string;
  let seen: BrowserProcess;

  beforeAll(async () => {
    // app.js is held until the browser process is seen, so it is seen while it works.
    const site = await serveFolder(BUGGY, { gate: '/app.js' });
    try {
      outDir = path.join(await tempDir(), 'attempt-1');
      const running = capture({ url: site.url, viewports: VIEWPORTS, outDir, browser: chromium });
      running.catch(() => {});
      await waitFor('a page to ask for app.js', 60_000, () => site.requested.includes('/app.js'));
      seen = await waitFor('the browser process', 10_000, browserChild);
      site.release();
      result = await running;
    } finally {
      await site.close();
    }
  }, 120_000);

  it('saves one PNG per viewport with exactly the viewport size in pixels', () => {
    expect(pngSize(path.join(outDir, 'desktop.png'))).toEqual({ width: 1280, height: 800 });
    expect(pngSize(path.join(outDir, 'phone.png'))).toEqual({ width: 390, height: 844 });
    expect(result.viewports.map((v) => [v.name, v.screenshot, v.deviceScaleFactor])).toEqual([
      ['desktop', 'desktop.png', 1],
      ['phone', 'phone.png', 1],
    ]);
  });

  it('writes visual.json with what capture() returns, and nothing half-written', async () => {
    const json = JSON.parse(await readFile(path.join(outDir, 'visual.json'), 'utf8')) as VisualCapture;
    expect(json).toEqual(JSON.parse(JSON.stringify(result)));
    expect(readdirSync(outDir).sort()).toEqual(['desktop.png', 'phone.png', 'visual.json']);
    expect(json.url).toBe(result.url);
    expect(json.browser.path).toBe(chromium);
    expect(json.browser.version).toMatch(/^\d+\.\d+\./);
    if (process.geteuid?.() === 0) expect(json.browser.noSandboxReason).toContain('root');
    expect(json.timings.launchMs).toBeGreaterThan(0);
    expect(json.timings.totalMs).toBeGreaterThan(json.timings.launchMs);
    for (const v of json.viewports) expect(v.timings.screenshotMs).toBeGreaterThan(0);
  });

  it('reports the overflow at the phone width only', () => {
    const phone = byName(result, 'phone');
    expect(phone.overflow).toMatchObject({ horizontal: true, clientWidth: 390 });
    expect(phone.overflow!.scrollWidth).toBeGreaterThan(390);
    expect(byName(result, 'desktop').overflow).toMatchObject({ horizontal: false, clientWidth: 1280 });
  });

  it('captures the thrown script error, with its text, at both viewports', () => {
    for (const v of result.viewports) {
      expect(v.pageErrors.entries.map((e) => e.message)).toEqual([THROWN]);
      expect(v.pageErrors.entries[0]!.stack).toContain('/app.js');
    }
  });

  it('has the 404 of the missing logo in network and in the console', () => {
    for (const v of result.viewports) {
      expect(v.network.entries).toEqual([
        { url: `${result.url}img/logo.svg`, method: 'GET', resourceType: 'image', status: 404 },
      ]);
      expect(v.console.entries).toEqual([
        {
          type: 'error',
          text: 'Failed to load resource: the server responded with a status of 404 (Not Found)',
          location: { url: `${result.url}img/logo.svg`, line: 0, column: 0 },
        },
      ]);
      expect(v.load).toEqual({ status: 200 });
    }
  });

  it('leaves no browser process and no profile behind', () => {
    expectGone(seen);
  });
});

describe('the fixed fixture site', () => {
  it('has none of it: no overflow, no console or page error, no failed request', async () => {
    const site = await serveFolder(FIXED);
    try {
      const outDir = await tempDir();
      const r = await capture({ url: site.url, viewports: VIEWPORTS, outDir, browser: chromium });
      for (const v of r.viewports) {
        expect(v.overflow?.horizontal, v.name).toBe(false);
        expect(v.load, v.name).toEqual({ status: 200 });
        for (const list of [v.console, v.pageErrors, v.network])
          expect(list).toEqual({ entries: [], dropped: 0 });
      }
      expect(pngSize(path.join(outDir, 'phone.png'))).toEqual({ width: 390, height: 844 });
    } finally {
      await site.close();
    }
  }, 120_000);
});

describe('a file:// URL', () => {
  it('captures the static page from disk, with the missing file as a failed request', async () => {
    const url = pathToFileURL(path.join(BUGGY, 'index.html')).href;
    const r = await capture({ url, viewports: VIEWPORTS, outDir: await tempDir(), browser: chromium });
    expect(byName(r, 'phone').overflow?.horizontal).toBe(true);
    expect(byName(r, 'desktop').overflow?.horizontal).toBe(false);
    for (const v of r.viewports) {
      expect(v.network.entries).toEqual([
        {
          url: pathToFileURL(path.join(BUGGY, 'img/logo.svg')).href,
          method: 'GET',
          resourceType: 'image',
          failure: 'net::ERR_FILE_NOT_FOUND',
        },
      ]);
      expect(v.pageErrors.entries.map((e) => e.message)).toEqual([THROWN]);
    }
  }, 120_000);
});

describe('bounds', () => {
  it('keeps 50 console entries per viewport, counts the rest, and cuts long text', async () => {
    const dir = await tempDir();
    const page = path.join(dir, 'noisy.html');
    await writeFile(
      page,
      `<!doctype html><script>for (let i = 0; i < 120; i++) console.error(i + ':' + 'x'.repeat(5000));</script>`,
    );
    const r = await capture({
      url: pathToFileURL(page).href,
      viewports: [VIEWPORTS[0]!],
      outDir: path.join(dir, 'out'),
      browser: chromium,
    });
    const log = r.viewports[0]!.console;
    expect(log.entries).toHaveLength(MAX_ENTRIES);
    expect(log.dropped).toBe(120 - MAX_ENTRIES);
    expect(log.entries[0]!.text.startsWith(`0:${'x'.repeat(100)}`)).toBe(true);
    expect(log.entries[0]!.text).toMatch(/… \(\d+ more characters\)$/);
    expect(log.entries[0]!.text.length).toBeLessThan(2100);
  }, 120_000);
});

describe('waiting for the page', () => {
  it('records a load that does not finish in time, and still takes the screenshots', async () => {
    // app.js never comes: the load event never fires.
    const site = await serveFolder(BUGGY, { gate: '/app.js' });
    try {
      const outDir = await tempDir();
      const r = await capture({
        url: site.url,
        viewports: VIEWPORTS,
        outDir,
        browser: chromium,
        idleTimeoutMs: 1500,
      });
      for (const v of r.viewports) expect(v.load).toEqual({ timedOut: 'load' });
      expect(pngSize(path.join(outDir, 'desktop.png'))).toEqual({ width: 1280, height: 800 });
      expect(byName(r, 'phone').overflow?.horizontal).toBe(true);
    } finally {
      site.release();
      await site.close();
    }
  }, 120_000);
});

describe('a page that cannot load', () => {
  it('records the error (no app listening) and still saves what the browser shows', async () => {
    const outDir = await tempDir();
    // A port that was just free: a site served and closed again.
    const gone = await serveFolder(FIXED);
    await gone.close();
    const r = await capture({ url: gone.url, viewports: VIEWPORTS, outDir, browser: chromium });
    for (const v of r.viewports) {
      expect(v.load.error).toContain('net::ERR_CONNECTION_REFUSED');
      expect(v.load.status).toBeUndefined();
      expect(v.overflow).toBeNull();
    }
    expect(pngSize(path.join(outDir, 'phone.png'))).toEqual({ width: 390, height: 844 });
  }, 120_000);
});

describe('the browser never outlives the capture', () => {
  it('an abort mid-load closes it, rejects with the reason and writes nothing', async () => {
    const site = await serveFolder(BUGGY, { gate: '/app.js' });
    try {
      const outDir = path.join(await tempDir(), 'out');
      const ac = new AbortController();
      const running = capture({
        url: site.url,
        viewports: VIEWPORTS,
        outDir,
        browser: chromium,
        signal: ac.signal,
      });
      running.catch(() => {});
      await waitFor('a page to ask for app.js', 60_000, () => site.requested.includes('/app.js'));
      const seen = await waitFor('the browser process', 10_000, browserChild);
      ac.abort(new Error('cancelled by the test'));
      await expect(running).rejects.toThrow('cancelled by the test');
      expectGone(seen);
      expect(existsSync(outDir)).toBe(false);
    } finally {
      site.release();
      await site.close();
    }
  }, 120_000);

  it('a browser that hangs on launch is killed after the launch timeout', async () => {
    const dir = await tempDir();
    const fake = path.join(dir, 'hanging-chromium');
    const pidFile = path.join(dir, 'pid');
    // Never says "DevTools listening": Playwright waits for that line.
    await writeFile(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nsleep 600\n`);
    await chmod(fake, 0o755);
    await expect(
      capture({
        url: 'http://127.0.0.1:1/',
        viewports: VIEWPORTS,
        outDir: path.join(dir, 'out'),
        browser: fake,
        launchTimeoutMs: 1500,
      }),
    ).rejects.toThrow(`the browser did not start within 2 s and was killed: ${fake}`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(liveGroupMember(pid)).toBe(false);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  }, 60_000);
  it('dies with the process that captures, even one killed with SIGKILL', async () => {
    const site = await serveFolder(BUGGY, { gate: '/app.js' });
    const dir = await tempDir();
    const script = path.join(dir, 'capture.mts');
    const captureModule = pathToFileURL(path.join(projectRoot, 'src/visual/capture.ts')).href;
    await writeFile(
      script,
      `import { capture } from ${JSON.stringify(captureModule)};\n` +
        `await capture(${JSON.stringify({ url: site.url, viewports: VIEWPORTS, outDir: path.join(dir, 'out'), browser: chromium })});\n`,
    );
    // Nobody is left to remove Playwright's profile and artifacts folders: they go in `dir`.
    const child = spawn(process.execPath, ['--import', tsxLoader, script], {
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: dir },
    });
    try {
      await waitFor('a page to ask for app.js', 60_000, () => site.requested.includes('/app.js'));
      const marked = (pid: number) =>
        readdirSync('/proc').find((n) => {
          try {
            const args = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
            const ppid = readFileSync(`/proc/${n}/stat`, 'utf8').split(') ')[1]!.split(' ')[1];
            return Number(ppid) === pid && args.includes('--remote-debugging-pipe');
          } catch {
            return false;
          }
        });
      const browserPid = Number(await waitFor('the browser process', 10_000, () => marked(child.pid!)));
      child.kill('SIGKILL');
      // Its end of the pipe Playwright drives it through closes with it: Chromium exits.
      await waitFor('the browser to exit', 30_000, () => !liveGroupMember(browserPid));
    } finally {
      child.kill('SIGKILL');
      site.release();
      await site.close();
    }
  }, 120_000);
});

describe("Chromium's sandbox", () => {
  it('falls back to --no-sandbox when the sandbox cannot start, and says so', async () => {
    const dir = await tempDir();
    const fake = path.join(dir, 'chromium-without-namespaces');
    // As Chromium does where user namespaces are forbidden: it dies unless told --no-sandbox.
    await writeFile(
      fake,
      [
        '#!/bin/sh',
        'for a in "$@"; do [ "$a" = --no-sandbox ] && exec ' + `'${chromium}'` + ' "$@"; done',
        'echo "[FATAL:zygote_host_impl_linux.cc] No usable sandbox! Update your kernel" >&2',
        'exit 1',
        '',
      ].join('\n'),
    );
    await chmod(fake, 0o755);
    const launched = await launchBrowser({ executablePath: fake, sandbox: { sandbox: true } });
    try {
      expect(launched.sandbox).toEqual({ sandbox: false, reason: "Chromium's sandbox failed to start here" });
      expect(launched.version).toMatch(/^\d+\./);
    } finally {
      await launched.close();
    }
  }, 60_000);
});
