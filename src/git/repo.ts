import path from 'node:path';
import { readFile, realpath } from 'node:fs/promises';
import { git, gitOut } from './run.js';
import { refuse } from '../errors.js';
import { discoverRepo } from './discover.js';

/** The repository factory works on, resolved the same way from any directory inside it. */
export interface Repo {
  /** Top of the main worktree: where the user works and where merges land. */
  root: string;
  /** The shared .git directory (the same from every linked worktree). */
  commonDir: string;
  /** `<commonDir>/factory`: task records, locks, and (by default) worktrees. */
  factoryDir: string;
  /** Top of the worktree the command was run from (a task worktree, or `root`). */
  cwdTop: string;
}

/**
 * Finds the repository from `cwd`. From inside a factory worktree it resolves to the main
 * repository, because the common dir is shared. Refuses (exit 2) outside a repo and in a bare one.
 */
export async function openRepo(cwd: string): Promise<Repo> {
  const found = await discoverRepo(cwd);
  if (found) {
    const root = await mainWorktreeRoot(found.commonDir, cwd);
    return {
      root,
      commonDir: found.commonDir,
      factoryDir: path.join(found.commonDir, 'factory'),
      cwdTop: found.top,
    };
  }
  const r = await git(
    ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel', '--is-bare-repository'],
    { cwd, allowFail: true },
  );
  if (r.code !== 0) {
    if (/not a git repository/i.test(r.stderr))
      throw refuse(`not a git repository: ${cwd}`, 'run factory inside a git repository (or `git init` one)');
    throw refuse(`cannot read the git repository at ${cwd}: ${r.stderr.trim()}`);
  }
  const [commonDirRaw, cwdTopRaw, bare] = r.stdout.trim().split('\n');
  if (bare === 'true' || !cwdTopRaw)
    throw refuse(`${cwd} is a bare repository; factory needs a working tree`);
  const commonDir = await realpath(commonDirRaw!);
  const cwdTop = await realpath(cwdTopRaw);
  const root = await mainWorktreeRoot(commonDir, cwd);
  return { root, commonDir, factoryDir: path.join(commonDir, 'factory'), cwdTop };
}

async function mainWorktreeRoot(commonDir: string, cwd: string): Promise<string> {
  if (path.basename(commonDir) === '.git') return path.dirname(commonDir);
  // A separate git dir (`git init --separate-git-dir`): the first entry of the list is the main tree.
  const list = await gitOut(['worktree', 'list', '--porcelain'], { cwd });
  const first = list.split('\n').find((l) => l.startsWith('worktree '));
  if (!first) throw refuse(`cannot find the main worktree of ${commonDir}`);
  return realpath(first.slice('worktree '.length));
}

/** Resolves a ref to a commit id; refuses with a clear message when it does not exist. */
export async function resolveCommit(repo: Repo, ref: string): Promise<string> {
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code !== 0) throw refuse(`unknown base ref: ${ref}`, 'name a branch, tag or commit that exists');
  return r.stdout.trim();
}

/** Resolves HEAD of the main worktree; refuses in a repository with no commits. */
export async function headCommit(repo: Repo): Promise<string> {
  const r = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code !== 0)
    throw refuse('the repository has no commits yet', 'make a first commit, then run factory again');
  return r.stdout.trim();
}

/**
 * The branch the main worktree has checked out, or "HEAD" when detached. Read from the HEAD
 * file, whose format git documents, because this runs on every task start.
 */
export async function mainBranchName(repo: Repo): Promise<string> {
  const head = await readFile(path.join(repo.commonDir, 'HEAD'), 'utf8').catch(() => '');
  const m = /^ref: refs\/heads\/(.+)$/m.exec(head);
  return m ? m[1]!.trim() : 'HEAD';
}
