import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCheck } from '../../src/config/detect-check.js';
import { tempDir } from './tmp.js';

/** A temp repo dir holding `files` (path -> content). */
async function repoWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

const pkg = (scripts: Record<string, string>) => JSON.stringify({ name: 'x', scripts });

describe('detectCheck', () => {
  it('finds npm test when package.json has a real test script', async () => {
    expect(await detectCheck(await repoWith({ 'package.json': pkg({ test: 'vitest run' }) }))).toBe(
      'npm test',
    );
  });

  it("ignores npm init's placeholder test script and package.json without one", async () => {
    const placeholder = pkg({ test: 'echo "Error: no test specified" && exit 1' });
    expect(await detectCheck(await repoWith({ 'package.json': placeholder }))).toBeNull();
    expect(await detectCheck(await repoWith({ 'package.json': pkg({ build: 'tsc' }) }))).toBeNull();
    expect(await detectCheck(await repoWith({ 'package.json': '{ not json' }))).toBeNull();
  });

  it('finds pytest from its config files or a tests/ dir with Python files', async () => {
    for (const f of ['pyproject.toml', 'pytest.ini', 'setup.cfg', 'tox.ini']) {
      expect(await detectCheck(await repoWith({ [f]: '' })), f).toBe('pytest');
    }
    expect(await detectCheck(await repoWith({ 'tests/test_a.py': 'def test_a(): pass\n' }))).toBe('pytest');
    expect(await detectCheck(await repoWith({ 'tests/unit/test_b.py': '' }))).toBe('pytest');
    expect(await detectCheck(await repoWith({ 'tests/readme.md': '' }))).toBeNull();
  });

  it('finds cargo test and go test', async () => {
    expect(await detectCheck(await repoWith({ 'Cargo.toml': '[package]\nname = "x"\n' }))).toBe('cargo test');
    expect(await detectCheck(await repoWith({ 'go.mod': 'module x\n' }))).toBe('go test ./...');
  });

  it('finds make test only when the Makefile has a test target', async () => {
    expect(await detectCheck(await repoWith({ Makefile: 'all:\n\ttrue\ntest: all\n\t./run\n' }))).toBe(
      'make test',
    );
    expect(await detectCheck(await repoWith({ Makefile: 'test := 1\nall:\n\ttrue\n' }))).toBeNull();
    expect(await detectCheck(await repoWith({ Makefile: 'all:\n\ttrue\n' }))).toBeNull();
  });

  it('prefers npm over the others when several fit', async () => {
    const dir = await repoWith({ 'package.json': pkg({ test: 'jest' }), 'go.mod': '', Makefile: 'test:\n' });
    expect(await detectCheck(dir)).toBe('npm test');
  });

  it('returns null for an empty repository', async () => {
    expect(await detectCheck(await tempDir())).toBeNull();
  });
});
