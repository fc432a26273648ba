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

async function hasPythonTests(dir: string): Promise<boolean> {
  for (const f of ['pytest.ini', 'pyproject.toml', 'setup.cfg', 'tox.ini']) {
    if (await exists(path.join(dir, f))) return true;
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
