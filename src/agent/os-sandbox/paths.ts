import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The git metadata a worktree depends on; all of it stays read-only inside the sandbox. */
export interface GitPaths {
  /** `<worktree>/.git`: a link file in a linked worktree, the repository itself in a main one. */
  link: string;
  /** The worktree's own git dir (`<common>/worktrees/<name>`), or the common dir for a main worktree. */
  gitDir: string | null;
  /** The repository's shared `.git` folder. */
  commonDir: string | null;
  /** The main worktree, whose files a linked worktree may symlink to (worktree.link). */
  mainRoot: string | null;
}

/**
 * Read straight from the files git itself reads (no git process: this runs before every check).
 * Paths that cannot be read are null; the sandbox then has less to protect, never less to hide.
 */
export function gitPathsOf(worktree: string): GitPaths {
  const link = path.join(worktree, '.git');
  let gitDir: string | null = null;
  try {
    if (statSync(link).isDirectory()) gitDir = link;
    else {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(link, 'utf8'));
      if (m) gitDir = path.resolve(worktree, m[1]!);
    }
  } catch {
    return { link, gitDir: null, commonDir: null, mainRoot: null };
  }
  let commonDir = gitDir;
  if (gitDir) {
    try {
      commonDir = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
    } catch {
      // No commondir file: the git dir is the common dir.
    }
  }
  const mainRoot = commonDir && path.basename(commonDir) === '.git' ? path.dirname(commonDir) : null;
  return { link, gitDir: real(gitDir), commonDir: real(commonDir), mainRoot: real(mainRoot) };
}

/** `~/x` under `home`; a relative path under `base`. */
export function expandPath(p: string, home: string, base: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(base, p);
}

/** The real path (symlinks resolved) when it exists, else the path as given. */
export function real<T extends string | null>(p: T): T {
  if (p === null) return p;
  try {
    return realpathSync(p) as T;
  } catch {
    return p;
  }
}

/** `child` is `parent` or inside it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
