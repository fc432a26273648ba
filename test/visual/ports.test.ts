import { mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { FactoryError } from '../../src/errors.js';
import { appTargets, reservedPorts, reservePort, withPort } from '../../src/visual/ports.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const visualOf = (v: unknown) => configSchema.parse({ visual: v }).visual!;

describe('reservePort', () => {
  it('gives tasks running in parallel different free ports, and frees them on release', async () => {
    const held = await Promise.all(Array.from({ length: 24 }, () => reservePort()));
    const ports = held.map((r) => r.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(reservedPorts()).toEqual(expect.arrayContaining(ports));
    // Free: something can listen on each.
    for (const port of ports.slice(0, 3)) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
    for (const r of held) r.release();
    held[0]!.release();
    expect(reservedPorts().filter((p) => ports.includes(p))).toEqual([]);
  });
});

describe('appTargets', () => {
  it('puts the port into the command, the page and the ready URL', async () => {
    const wt = await tempDir();
    const t = appTargets(visualOf({ start: 'npm run dev -- --port {port}', ready: '/health' }), 4321, wt);
    expect(t).toEqual({
      command: 'npm run dev -- --port 4321',
      url: 'http://127.0.0.1:4321/',
      readyUrl: 'http://127.0.0.1:4321/health',
    });
    const sub = appTargets(visualOf({ start: 'serve', url: 'http://localhost:{port}/app/?x=1' }), 80, wt);
    expect(sub.url).toBe('http://localhost:{port}/app/?x=1'.replace('{port}', '80'));
    expect(sub.readyUrl).toBe('http://localhost/');
    expect(withPort('a {port} b {port}', 7)).toBe('a 7 b 7');
  });

  it('resolves a file:// page inside the worktree, with nothing to start', async () => {
    const wt = await tempDir();
    await mkdir(path.join(wt, 'site'));
    await writeFile(path.join(wt, 'site/index.html'), '<p>hi</p>');
    const t = appTargets(visualOf({ url: 'file://site/index.html#top' }), 1, wt);
    expect(t).toEqual({ command: null, url: `file://${wt}/site/index.html#top`, readyUrl: null });
    // A page the task has not written yet still resolves (the capture shows it missing).
    expect(appTargets(visualOf({ url: 'file://new/page.html' }), 1, wt).url).toBe(
      `file://${wt}/new/page.html`,
    );
  });

  it('refuses a file:// page that a symbolic link leads out of the worktree', async () => {
    const wt = await tempDir();
    const outside = await tempDir();
    await writeFile(path.join(outside, 'secret.html'), 'x');
    await symlink(outside, path.join(wt, 'out'));
    await symlink(path.join(outside, 'secret.html'), path.join(wt, 'page.html'));
    for (const url of ['file://out/secret.html', 'file://page.html', 'file://out/not-yet.html']) {
      const e = (() => {
        try {
          appTargets(visualOf({ url }), 1, wt);
        } catch (err) {
          return err;
        }
      })() as FactoryError;
      expect(e, url).toBeInstanceOf(FactoryError);
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(/^visual\.url: .* leads out of the task's worktree/);
    }
  });
});
