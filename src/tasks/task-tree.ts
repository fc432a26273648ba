/**
 * Rows in tree order: each plan's children right after their parent, in the order given (their
 * ids); rows whose parent is not among them (discarded and hidden, or pruned) stay where they are.
 */
export function treeOrder<T extends { id: number; parent?: number }>(rows: readonly T[]): T[] {
  const ids = new Set(rows.map((r) => r.id));
  const kids = new Map<number, T[]>();
  for (const r of rows)
    if (r.parent !== undefined && ids.has(r.parent) && r.parent !== r.id)
      kids.set(r.parent, [...(kids.get(r.parent) ?? []), r]);
  const out: T[] = [];
  const seen = new Set<number>();
  const put = (r: T) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    out.push(r);
    for (const k of kids.get(r.id) ?? []) put(k);
  };
  for (const r of rows) if (r.parent === undefined || !ids.has(r.parent) || r.parent === r.id) put(r);
  // A damaged record could make a loop of parents: its rows still show, in their own order.
  for (const r of rows) put(r);
  return out;
}
