import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

async function read(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function hasNpmTests(dir: string): Promise<boolean> {
  const text = await read(path.join(dir, 'package.json'));
  if (text === undefined) return false;
  try {
    const test: unknown = JSON.parse(text)?.scripts?.test;
    // `npm init` writes a test script that only fails; it is no test suite.
    return typeof test === 'string' && test.trim() !== '' && !test.includes('no test specified');
  } catch {
    return false;
  }
}

/** A line `[name]` opening a section of an INI or TOML file (spaces inside the brackets allowed). */
function hasSection(text: string | undefined, names: readonly string[]): boolean {
  if (text === undefined) return false;
  return text.split(/\r?\n/).some((line) => {
    const m = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    return m !== null && names.includes(m[1]!);
  });
}

/** pytest's own config places, each in the section pytest reads. */
async function hasPytestConfig(dir: string): Promise<boolean> {
  if (await exists(path.join(dir, 'pytest.ini'))) return true;
  const at = (f: string) => read(path.join(dir, f));
  return (
    hasSection(await at('pyproject.toml'), ['tool.pytest.ini_options', 'tool.pytest']) ||
    hasSection(await at('setup.cfg'), ['tool:pytest']) ||
    hasSection(await at('tox.ini'), ['pytest'])
  );
}

/** pytest's default test file names (`test_*.py`, `*_test.py`), looked for at the top level. */
const PYTEST_FILE = /^(test_.*|.*_test)\.py$/;

async function hasPythonTests(dir: string): Promise<boolean> {
  if (await hasPytestConfig(dir)) return true;
  try {
    const top = await readdir(dir, { withFileTypes: true });
    if (top.some((e) => e.isFile() && PYTEST_FILE.test(e.name))) return true;
  } catch {
    return false;
  }
  try {
    const files = await readdir(path.join(dir, 'tests'), { recursive: true });
    return files.some((f) => f.endsWith('.py'));
  } catch {
    return false;
  }
}

async function hasMakeTestTarget(dir: string): Promise<boolean> {
  for (const f of ['GNUmakefile', 'makefile', 'Makefile']) {
    const text = await read(path.join(dir, f));
    // `test:` starts a rule; `test := x` and `test ::= x` assign a variable.
    if (text !== undefined) return /^test\s*::?(?![:=])/m.test(text);
  }
  return false;
}

/** The command that runs a repository's tests, guessed from its files; null when nothing fits. */
export async function detectCheck(dir: string): Promise<string | null> {
  if (await hasNpmTests(dir)) return 'npm test';
  if (await hasPythonTests(dir)) return 'pytest';
  if (await exists(path.join(dir, 'Cargo.toml'))) return 'cargo test';
  if (await exists(path.join(dir, 'go.mod'))) return 'go test ./...';
  if (await hasMakeTestTarget(dir)) return 'make test';
  return null;
}
