import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/llm/queue-fair.js';
import { Fifo } from '../../src/llm/queue-fifo.js';

const drain = <T>(q: { shift(): T | undefined }) => {
  const out: T[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
  return out;
};

describe('Fifo', () => {
  it('pushes, shifts, puts back at the front, and removes from the middle', () => {
    const f = new Fifo<number>();
    for (let i = 1; i <= 5; i++) f.push(i);
    expect(f.shift()).toBe(1);
    f.unshift(0);
    f.unshift(-1);
    expect(f.remove(3)).toBe(true);
    expect(f.remove(42)).toBe(false);
    expect([...f]).toEqual([-1, 0, 2, 4, 5]);
    expect(f.size).toBe(5);
    expect(drain(f)).toEqual([-1, 0, 2, 4, 5]);
    expect(f.size).toBe(0);
  });

  it('stays in order across its compaction', () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 5000; i++) f.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) out.push(f.shift()!);
    for (let i = 5000; i < 6000; i++) f.push(i);
    out.push(...f.drain());
    expect(out).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });
});

describe('FairQueue', () => {
  it('serves round-robin across tasks, FIFO within one', () => {
    const q = new FairQueue<string>();
    for (const x of ['a1', 'a2', 'a3']) q.push('a', 0, x);
    q.push('b', 0, 'b1');
    q.push('c', 0, 'c1');
    q.push('c', 0, 'c2');
    expect(q.size).toBe(6);
    expect(q.waitingOf('a')).toBe(3);
    expect(drain(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    expect(q.waitingOf('a')).toBe(0);
  });

  it('serves higher priorities first, and a pushed-back item first in its task', () => {
    const q = new FairQueue<string>();
    q.push('a', 0, 'a-normal');
    q.push('b', -5, 'b-low');
    q.push('c', 3, 'c-high');
    q.push('a', 0, 'a-retry', true);
    expect(drain(q)).toEqual(['c-high', 'a-retry', 'a-normal', 'b-low']);
  });

  it('removes single items and whole tasks, and keeps serving the rest', () => {
    const q = new FairQueue<string>();
    q.push('a', 0, 'a1');
    q.push('b', 0, 'b1');
    q.push('a', 1, 'a-high');
    q.push('a', 0, 'a2');
    expect(q.remove('b', 0, 'b1')).toBe(true);
    expect(q.remove('b', 0, 'b1')).toBe(false);
    q.push('b', 0, 'b2');
    expect(q.drainTask('a')).toEqual(['a1', 'a2', 'a-high']);
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual(['b2']);
    expect(q.drainTask('nobody')).toEqual([]);
  });

  it('forgets only tasks with nothing waiting', () => {
    const q = new FairQueue<string>();
    q.push('a', 0, 'a1');
    expect(q.forget('a')).toBe(false);
    q.shift();
    expect(q.forget('a')).toBe(true);
    q.push('a', 0, 'a2');
    expect(drain(q)).toEqual(['a2']);
  });
});
