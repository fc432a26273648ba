import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cleanupTemps, tempDir } from './helpers/git-repo.js';
import { outputFd } from '../src/output-fd.js';

afterAll(cleanupTemps);

describe('outputFd', () => {
  it('hands a log descriptor above 9 to execa, and the child writes the file itself', async () => {
    const dir = await tempDir();
    const spare = Array.from({ length: 12 }, () => openSync('/dev/null', 'r'));
    const log = path.join(dir, 'out.log');
    const fd = openSync(log, 'a');
    try {
      expect(fd).toBeGreaterThan(9);
      const r = await execa('sh', ['-c', 'echo out; echo err >&2; exit 4'], {
        stdin: 'ignore',
        stdout: outputFd(fd),
        stderr: outputFd(fd),
        buffer: false,
        reject: false,
      });
      expect(r.exitCode).toBe(4);
    } finally {
      closeSync(fd);
      for (const s of spare) closeSync(s);
    }
    expect(readFileSync(log, 'utf8')).toBe('out\nerr\n');
  });

  it('refuses what is not a descriptor', () => {
    expect(() => outputFd(-1)).toThrow('not a file descriptor');
    expect(() => outputFd(1.5)).toThrow('not a file descriptor');
  });
});
