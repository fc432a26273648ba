/**
 * The app of a visual check, started for real: a node http server as the start command, in bwrap
 * where it works (else unsandboxed, and the sandbox-only assertions are skipped), reached from this
 * process (outside the sandbox), and gone after stop, a failed start or an abort.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_SETTINGS, resolvePlan, type SandboxPlan } from '../../src/agent/os-sandbox/index.js';
import { AppStartError, startApp } from '../../src/visual/app.js';
import { reservePort } from '../../src/visual/ports.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { waitFor } from '../e2e/support.js';

afterAll(cleanupTemps);

/** A fake $HOME with a file the app must not see when sandboxed. */
async function home(): Promise<string> {
  const dir = await tempDir('factory-app-home-');
  await writeFile(path.join(dir, 'secret.txt'), 'secret\n');
  return dir;
}

/** bwrap's plan for the check, or null when bwrap cannot run here. */
function bwrapPlan(env: NodeJS.ProcessEnv, repo: string): SandboxPlan | null {
  try {
    return resolvePlan(
      { ...DEFAULT_SANDBOX_SETTINGS, mode: 'bwrap' },
      { purpose: 'check', repoRoot: repo, env },
    );
  } catch {
    return null;
  }
}

let counter = 0;
/** A token no other process on the machine has in its command line. */
const mark = () => `factory-app-${process.pid}-${++counter}`;

/** Pids of live (not zombie) processes whose command line holds `token`, bwrap's own included. */
function withMark(token: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(token)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(name));
    } catch {
      // Gone while we read.
    }
  }
  return found;
}

/**
 * A server that answers with its $PORT, whether it sees $HOME/secret.txt, and `ok`; it starts a
 * background helper too, which must die with it. `token` is in both command lines.
 */
function serverCommand(token: string, status = 200): string {
  const js =
    'const fs=require("fs");require("http").createServer((q,s)=>{s.statusCode=' +
    status +
    ';s.end(JSON.stringify({port:process.env.PORT,home:fs.existsSync(process.env.HOME+"/secret.txt"),ok:true}))})' +
    '.listen(+process.argv[1],"127.0.0.1",()=>console.log("listening on "+process.argv[1]))';
  return `node -e 'setInterval(()=>{},1e9)' ${token}-helper & exec node -e '${js}' {port} ${token}`;
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function failure(p: Promise<unknown>): Promise<AppStartError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppStartError);
  return e as AppStartError;
}

describe('startApp', () => {
  it('starts the app in the sandbox on the host network, reachable from outside, and stop() leaves nothing', async () => {
    const repo = await makeRepo({ 'index.html': '<p>hi</p>' });
    const env = { ...process.env, HOME: await home() };
    const plan = bwrapPlan(env, repo);
    const token = mark();
    const { port, release } = await reservePort();
    try {
      const app = await startApp({
        command: serverCommand(token),
        cwd: repo,
        port,
        readyUrl: `http://127.0.0.1:${port}/`,
        url: `http://127.0.0.1:${port}/page`,
        readyTimeoutMs: 30_000,
        env,
        ...(plan ? { sandbox: plan } : {}),
      });
      expect(app.url).toBe(`http://127.0.0.1:${port}/page`);
      const answer = await get(app.url);
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body) as { port: string; home: boolean };
      expect(body.port).toBe(String(port));
      // The rest of the sandbox holds: a private $HOME (the network is the only thing let through).
      if (plan) expect(body.home).toBe(false);
      await waitFor('the app to say it listens', 10_000, () => app.output().includes(`listening on ${port}`));
      expect(withMark(token).length).toBeGreaterThanOrEqual(2);
      await app.stop();
      expect(withMark(token)).toEqual([]);
      await expect(get(app.url)).rejects.toThrow(/ECONNREFUSED/);
      await app.stop();
    } finally {
      release();
    }
  }, 60_000);

  it('a command that exits at once is an error with its output, nothing left', async () => {
    const repo = await makeRepo({ 'a.txt': 'a' });
    const token = mark();
    const e = await failure(
      startApp({
        command: `echo "boom: no such script ${token}"; exit 3`,
        cwd: repo,
        port: 9,
        readyUrl: 'http://127.0.0.1:9/',
        readyTimeoutMs: 30_000,
      }),
    );
    expect(e.reason).toBe('exited');
    expect(e.message).toMatch(
      /^the app's start command exited \(exit code 3\) before http:\/\/127\.0\.0\.1:9\/ answered/,
    );
    expect(e.output).toContain(`boom: no such script ${token}`);
    expect(e.message).toContain(`boom: no such script ${token}`);
    expect(withMark(token)).toEqual([]);
  });

  it('a command that never answers is stopped at readyTimeout, with its output; 5xx does not count as ready', async () => {
    const repo = await makeRepo({ 'a.txt': 'a' });
    const plan = bwrapPlan(process.env, repo);
    const { port, release } = await reservePort();
    try {
      for (const command of [
        `echo "still building"; exec node -e 'setInterval(()=>{},1e9)' ${mark()}`,
        serverCommand(mark(), 503),
      ]) {
        const token = command.match(/factory-app-\d+-\d+/)![0];
        const e = await failure(
          startApp({
            command,
            cwd: repo,
            port,
            readyUrl: `http://127.0.0.1:${port}/`,
            readyTimeoutMs: 1500,
            ...(plan ? { sandbox: plan } : {}),
          }),
        );
        expect(e.reason).toBe('timeout');
        expect(e.message).toMatch(
          /^the app did not answer on http:\/\/127\.0\.0\.1:\d+\/ within 2 s \(visual\.readyTimeout\)/,
        );
        expect(withMark(token)).toEqual([]);
        if (command.includes('still building')) expect(e.output).toContain('still building');
      }
    } finally {
      release();
    }
  }, 60_000);

  it('an abort while it waits stops the app; one after it is ready stops it too', async () => {
    const repo = await makeRepo({ 'a.txt': 'a' });
    const plan = bwrapPlan(process.env, repo);
    const { port, release } = await reservePort();
    try {
      const token = mark();
      const ctrl = new AbortController();
      const starting = startApp({
        command: `exec node -e 'setInterval(()=>{},1e9)' ${token}`,
        cwd: repo,
        port,
        readyUrl: `http://127.0.0.1:${port}/`,
        readyTimeoutMs: 60_000,
        signal: ctrl.signal,
        ...(plan ? { sandbox: plan } : {}),
      });
      await waitFor('the app to run', 20_000, () => withMark(token).length > 0);
      ctrl.abort();
      const e = await failure(starting);
      expect(e.reason).toBe('cancelled');
      expect(withMark(token)).toEqual([]);

      const later = new AbortController();
      const token2 = mark();
      const app = await startApp({
        command: serverCommand(token2),
        cwd: repo,
        port,
        readyUrl: `http://127.0.0.1:${port}/`,
        readyTimeoutMs: 30_000,
        signal: later.signal,
        ...(plan ? { sandbox: plan } : {}),
      });
      later.abort();
      await waitFor('the app to be stopped', 20_000, () => withMark(token2).length === 0);
      await app.stop();
      expect(withMark(token2)).toEqual([]);

      await expect(
        startApp({
          command: 'true',
          cwd: repo,
          port,
          readyUrl: 'http://127.0.0.1:9/',
          readyTimeoutMs: 1000,
          signal: later.signal,
        }),
      ).rejects.toMatchObject({ reason: 'cancelled' });
    } finally {
      release();
    }
  }, 60_000);
});
