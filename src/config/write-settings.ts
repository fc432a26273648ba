/**
 * `factory config --set key=value`, like `git config`: the setting goes into one config file
 * (the repo's .factoryrc.json, or the user config with --user), which keeps every other key.
 * The whole file is validated before anything is written, so a bad key or value leaves it as it was.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpName } from 'tmp-promise';
import { refuse } from '../errors.js';
import { coerce, leafByKey } from './fields.js';
import { describeIssues, formatPath } from './issues.js';
import { parseJson } from './json.js';
import { checkDepth, readInputFile } from './read-file.js';
import { configSchema } from './schema.js';
import { expandShorthands } from './shorthand.js';
import { worktreePathProblems } from './worktree-paths.js';
import { isObject, setPath, type Data } from './set-path.js';

export interface Setting {
  key: string;
  /** As typed after `=`; converted to the field's type like a FACTORY_* variable. */
  raw: string;
}

/** `key=value` pairs as typed; refuses anything without a key. */
export function parseSettings(args: readonly string[]): Setting[] {
  return args.map((s) => {
    const eq = s.indexOf('=');
    const key = eq > 0 ? s.slice(0, eq).trim() : '';
    if (!key) throw refuse(`--set ${s}: expected key=value, e.g. --set agent.maxAttempts=3`);
    return { key, raw: s.slice(eq + 1) };
  });
}

/** A leaf's value in its type; a whole section (`server={…}`) or an unknown key as JSON if it parses. */
function valueOf(s: Setting): unknown {
  const leaf = leafByKey(s.key);
  if (leaf) return coerce(leaf, s.raw);
  try {
    return JSON.parse(s.raw);
  } catch {
    return s.raw;
  }
}

function validate(data: Data, label: string, settings: Setting[], repoRoot: string | undefined): void {
  // A problem inside a key being set names the flag; any other is already in the file.
  const where = (p: readonly PropertyKey[]) => {
    const dotted = p.map(String).join('.');
    const s = settings.find(
      (x) => dotted === x.key || dotted.startsWith(`${x.key}.`) || x.key.startsWith(`${dotted}.`),
    );
    return s ? `--set ${s.key}` : label;
  };
  checkDepth(data, where);
  // Validated as the loader reads it (shorthands expanded), written as the user wrote it.
  const expanded = structuredClone(data);
  expandShorthands(expanded);
  const result = configSchema.safeParse(expanded);
  if (!result.success) throw refuse(describeIssues(result.error.issues, expanded, where).join('\n'));
  const paths = worktreePathProblems(expanded, repoRoot);
  if (paths.length)
    throw refuse(paths.map((p) => `${where(p.path)}: ${formatPath(p.path)}: ${p.message}`).join('\n'));
}

/**
 * Applies `settings` to the JSON config `file` (created with its folder if missing) and returns
 * what it now holds. `label` names the file in messages; `repoRoot` checks `worktree.dir`.
 */
export async function writeSettings(
  file: string,
  label: string,
  settings: Setting[],
  repoRoot?: string,
): Promise<Data> {
  const text = await readInputFile(file, label);
  const parsed = text === undefined ? {} : parseJson(text, label);
  if (!isObject(parsed)) throw refuse(`${label}: expected a JSON object`);
  const data = parsed;
  for (const s of settings) {
    // Setting a field inside a shorthand (`"sandbox": "none"`) needs the object it stands for.
    const top = data[s.key.split('.')[0]!];
    if (s.key.includes('.') && typeof top === 'string') expandShorthands(data);
    setPath(data, s.key.split('.'), valueOf(s));
  }
  validate(data, label, settings, repoRoot);

  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const mode = await stat(file).then(
    (st) => st.mode & 0o777,
    () => undefined,
  );
  // Written beside the file, then renamed over it: a reader sees the old file or the new one.
  const temp = await tmpName({
    tmpdir: dir,
    prefix: path.basename(file).replace(/\.{2,}/g, '.'),
    postfix: '.tmp',
  });
  try {
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx', mode });
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return data;
}
