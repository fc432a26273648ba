/** Ref names of the data model. Attempt refs keep rolled-back attempts reachable. */
export const ZERO_OID = '0000000000000000000000000000000000000000';

export const branchRef = (branch: string) => `refs/heads/${branch}`;
export const taskRefPrefix = (id: number) => `refs/factory/${id}/`;
export const attemptRef = (id: number, n: number) => `refs/factory/${id}/attempts/${n}`;
/** Where the branch was before the last rollback, so the rollback can be undone. */
export const undoRef = (id: number) => `refs/factory/${id}/undo`;

export function slugify(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'task';
}

export const taskBranch = (id: number, title: string) => `factory/${id}-${slugify(title)}`;
