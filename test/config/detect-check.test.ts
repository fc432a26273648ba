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

  it('finds pytest from pytest.ini and the pytest section of pyproject.toml, setup.cfg or tox.ini', async () => {
    const configs: Record<string, string> = {
      'pytest.ini': '',
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n',
      'setup.cfg': '[metadata]\nname = x\n[tool:pytest]\ntestpaths = t\n',
      'tox.ini': '[tox]\nenvlist = py3\n[pytest]\naddopts = -q\n',
    };
    for (const [f, text] of Object.entries(configs)) {
      expect(await detectCheck(await repoWith({ [f]: text })), f).toBe('pytest');
    }
    // pytest 9 reads a native [tool.pytest] table too.
    const native = '[tool.pytest]\nminversion = "9.0"\n';
    expect(await detectCheck(await repoWith({ 'pyproject.toml': native }))).toBe('pytest');
    expect(
      await detectCheck(await repoWith({ 'pyproject.toml': '[ tool.pytest.ini_options ]  # ok\n' })),
    ).toBe('pytest');
  });

  it('does not take a Python config without a pytest section for a pytest project', async () => {
    const noPytest: Record<string, string> = {
      'pyproject.toml': '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n',
      'setup.cfg': '[metadata]\nname = x\n[flake8]\nmax-line-length = 100\n',
      'tox.ini': '[tox]\nenvlist = py3\n[testenv]\ncommands = pytest\n',
    };
    for (const [f, text] of Object.entries(noPytest)) {
      expect(await detectCheck(await repoWith({ [f]: text })), f).toBeNull();
    }
    // A section name inside a value or a comment is no section.
    const mention = 'description = "see [tool.pytest.ini_options]"\n# [tool.pytest]\n';
    expect(await detectCheck(await repoWith({ 'pyproject.toml': mention }))).toBeNull();
  });

  it('finds pytest from top-level test_*.py or *_test.py files, or a tests/ dir with Python files', async () => {
    expect(await detectCheck(await repoWith({ 'test_app.py': 'def test_a(): pass\n' }))).toBe('pytest');
    expect(await detectCheck(await repoWith({ 'app_test.py': 'def test_a(): pass\n' }))).toBe('pytest');
    expect(await detectCheck(await repoWith({ 'tests/test_a.py': 'def test_a(): pass\n' }))).toBe('pytest');
    expect(await detectCheck(await repoWith({ 'tests/unit/test_b.py': '' }))).toBe('pytest');
    // Not test files by pytest's default names, or not at the top level.
    for (const f of ['app.py', 'testing.py', 'test_notes.txt', 'src/test_deep.py', 'tests/readme.md']) {
      expect(await detectCheck(await repoWith({ [f]: '' })), f).toBeNull();
    }
    // A directory named like a test file is no test file.
    expect(await detectCheck(await repoWith({ 'test_data.py/readme.md': '' }))).toBeNull();
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
