import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCheck } from '../../src/agent/executor.js';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';

const dirs: TempFolder[] = [];
afterAll(() => Promise.all(dirs.map((d) => d.remove())));

async function tempDir(): Promise<string> {
  const dir = await tempFolder('factory-exec');
  dirs.push(dir);
  return dir.path;
}

const run = async (command: string, extra: Partial<Parameters<typeof runCheck>[1]> = {}) =>
  runCheck(command, { cwd: await tempDir(), timeoutMs: 10_000, ...extra });

describe('runCheck', () => {
  it('reports exit codes', async () => {
    const ok = await run('true');
    expect(ok).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false, stragglers: 0 });
    expect((await run('exit 3')).exitCode).toBe(3);
    const sh = await run('no-such-command-xyz');
    expect(sh.exitCode).toBe(127);
    expect(sh.output).toContain('not found');
  });

  it('captures stdout and stderr together, in order when they alternate slowly', async () => {
    const r = await run('echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2');
    expect(r.output).toBe('out1\nerr1\nout2\n');
    expect(r).toMatchObject({ head: r.output, tail: '', truncatedBytes: 0, totalBytes: 15 });
    expect(r.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('gives the command no stdin: reads get end-of-file at once', async () => {
    const r = await run('cat; echo "cat=$?"; read line; echo "read=$?"', { timeoutMs: 5000 });
    expect(r.timedOut).toBe(false);
    expect(r.output).toBe('cat=0\nread=1\n');
  });

  it('starts the command only after onSpawn returned, so a kill in between leaves nothing running', async () => {
    const dir = await tempDir();
    let seenAtSpawn: boolean | undefined;
    const r = await runCheck('echo started > marker.txt', {
      cwd: dir,
      timeoutMs: 10_000,
      onSpawn: () => {
        // Long enough for an ungated shell to have written the file many times over.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        seenAtSpawn = existsSync(path.join(dir, 'marker.txt'));
      },
    });
    expect(seenAtSpawn).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'marker.txt'), 'utf8')).toBe('started\n');
  });

  it('runs the command text as given: quotes, $, backslashes and newlines', async () => {
    const command = `printf '%s|' "it's" 'a "b"' \\n "$((1+2))"\necho 'x'"'"'y'`;
    const r = await run(command);
    expect(r.output).toBe(`it's|a "b"|n|3|x'y\n`);
  });

  it('runs in cwd', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'marker.txt'), 'here');
    const r = await runCheck('pwd; cat marker.txt', { cwd: dir, timeoutMs: 5000 });
    expect(r.output).toBe(`${dir}\nhere`);
  });

  it('scrubs secrets and GIT_* from the inherited environment, and sets CI=1', async () => {
    const planted = {
      FOO_TOKEN: 'tok',
      AWS_SECRET_ACCESS_KEY: 'aws',
      AWS_SESSION_TOKEN: 'sess',
      GIT_DIR: '/elsewhere/.git',
      my_db_password: 'pw',
      FORCE_COLOR: '1',
      FACTORY_TEST_KEEP: 'kept',
    };
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
    Object.assign(process.env, planted);
    try {
      const r = await run('env');
      const names = r.output.split('\n').map((l) => l.split('=')[0]);
      for (const gone of [
        'FOO_TOKEN',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'GIT_DIR',
        'my_db_password',
      ])
        expect(names).not.toContain(gone);
      expect(names).not.toContain('FORCE_COLOR');
      expect(r.output).toContain('\nCI=1\n');
      expect(r.output).toContain('\nNO_COLOR=1\n');
      expect(r.output).toContain('\nFACTORY_TEST_KEEP=kept\n');
      expect(r.output).not.toMatch(/tok|aws|sess|elsewhere|pw\n/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('scrubs an explicit base environment the same way', async () => {
    const r = await run('echo "${GH_TOKEN:-none} ${PATH:+path} ${ONLY_HERE}"', {
      env: { PATH: process.env.PATH, GH_TOKEN: 'x', ONLY_HERE: 'yes' },
    });
    expect(r.output).toBe('none path yes\n');
  });

  it('returns a 127 result with the reason, never throws, when the command cannot start', async () => {
    const missing = path.join(await tempDir(), 'gone');
    const r = await runCheck('true', { cwd: missing, timeoutMs: 1000 });
    expect(r).toMatchObject({ exitCode: 127, timedOut: false, cancelled: false });
    expect(r.pid).toBeUndefined();
    expect(r.output).toContain(`the working directory ${missing} does not exist`);

    const file = path.join(await tempDir(), 'file');
    await writeFile(file, '');
    const f = await runCheck('true', { cwd: file, timeoutMs: 1000 });
    expect(f.exitCode).toBe(127);
    expect(f.output).toContain('is not a directory');

    const nul = await run('echo a\0b');
    expect(nul.exitCode).toBe(127);
    expect(nul.output).toContain('factory: cannot run the check');
  });

  it('keeps head and tail of a long output and says how much was cut', async () => {
    const r = await run('seq 1 100000', { maxOutputBytes: 1000 });
    const total = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('').length;
    expect(r.totalBytes).toBe(total);
    expect(r.truncatedBytes).toBe(total - 1000);
    expect(r.head.startsWith('1\n2\n3\n')).toBe(true);
    expect(r.tail.endsWith('99999\n100000\n')).toBe(true);
    expect(r.head.length + r.tail.length).toBe(1000);
    expect(r.output).toBe(`${r.head}\n… [factory: ${total - 1000} bytes cut] …\n${r.tail}`);
  });

  it('never shows half a character at the cut: its bytes count as cut', async () => {
    // 1000 × 'é' (2 bytes each); 51 bytes of head and 51 of tail put both cut points inside one.
    const r = await run(`i=0; while [ $i -lt 1000 ]; do printf '\\303\\251'; i=$((i+1)); done`, {
      maxOutputBytes: 102,
    });
    expect(r.totalBytes).toBe(2000);
    expect(r.head).toBe('é'.repeat(25)); // the lone lead byte at its end is dropped
    expect(r.tail).toBe('é'.repeat(25)); // the stray continuation byte at its start is dropped
    expect(r.truncatedBytes).toBe(2000 - 100);
    expect(r.output).not.toContain('\uFFFD');
  });

  it('streams output to onOutput as it comes, whole characters only', async () => {
    const chunks: string[] = [];
    const r = await run(`printf 'a\\303'; sleep 0.1; printf '\\251b\\n'; echo err >&2`, {
      onOutput: (c) => chunks.push(c),
    });
    expect(chunks.join('')).toBe(r.output);
    expect(r.output).toBe('aéb\nerr\n');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).not.toContain('\uFFFD');
  });

  it('survives an onOutput that throws', async () => {
    const r = await run('echo hi', {
      onOutput: () => {
        throw new Error('viewer broke');
      },
    });
    expect(r).toMatchObject({ exitCode: 0, output: 'hi\n' });
  });
});
