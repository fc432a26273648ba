import { expect, it } from 'vitest';
import { treeOrder } from '../../src/tasks/task-tree.js';

const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

it('puts each plan child right after its parent, keeping the order otherwise', () => {
  const rows = [{ id: 1 }, { id: 2, parent: 1 }, { id: 3 }, { id: 4, parent: 1 }, { id: 5, parent: 3 }];
  expect(ids(treeOrder(rows))).toEqual([1, 2, 4, 3, 5]);
});

it('keeps a child whose parent is not listed (hidden or pruned) where it is', () => {
  expect(ids(treeOrder([{ id: 2, parent: 1 }, { id: 3 }]))).toEqual([2, 3]);
});

it('shows every row once even when damaged records make a loop of parents', () => {
  const loop = [
    { id: 1, parent: 2 },
    { id: 2, parent: 1 },
    { id: 3, parent: 3 },
  ];
  const out = ids(treeOrder(loop));
  expect(out).toHaveLength(3);
  expect([...out].sort()).toEqual([1, 2, 3]);
});
