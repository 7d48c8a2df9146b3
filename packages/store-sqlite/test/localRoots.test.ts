import { describe, expect, it } from 'vitest';
import { LocalRoots } from '../src/localRoots.js';

/** A resolver whose placements are collected as `span id → root name`. */
function collect(limits?: { keepClosed?: number; maxWaiting?: number }) {
  const placed = new Map<string, string | undefined>();
  const roots = new LocalRoots<string>((spanId, rootName) => placed.set(spanId, rootName), limits);
  const add = (
    spanId: string,
    parent: string | null,
    start: number,
    end: number,
    options: { root?: boolean; trace?: string; name?: string } = {},
  ) =>
    roots.add(
      options.trace ?? 't',
      spanId,
      parent,
      options.root ?? parent === null,
      options.name ?? spanId,
      start,
      end,
      spanId,
    );
  return { roots, placed, add };
}

describe('LocalRoots', () => {
  it('places children under their root in start order, through any depth', () => {
    const { roots, placed, add } = collect();
    add('r', null, 0, 10);
    add('a', 'r', 1, 9);
    add('b', 'a', 2, 3);
    roots.finish();
    expect(Object.fromEntries(placed)).toEqual({ r: 'r', a: 'r', b: 'r' });
    expect(roots.unplaced).toBe(0);
  });

  it('a subtree that arrives before its parent waits and is placed when the parent comes', () => {
    const { roots, placed, add } = collect();
    add('c', 'b', 0, 1);
    add('b', 'a', 0.5, 2);
    expect(placed.size).toBe(0);
    add('a', 'r', 1, 3);
    add('r', null, 1, 4);
    roots.finish();
    expect(Object.fromEntries(placed)).toEqual({ c: 'r', b: 'r', a: 'r', r: 'r' });
  });

  it('a root under a remote parent is its own local root', () => {
    const { roots, placed, add } = collect();
    add('front', null, 0, 10);
    add('client', 'front', 1, 9);
    add('back', 'client', 2, 8, { root: true });
    add('query', 'back', 3, 4);
    roots.finish();
    expect(placed.get('client')).toBe('front');
    expect(placed.get('back')).toBe('back');
    expect(placed.get('query')).toBe('back');
  });

  it('a child starting after its parent ended finds it among the last keepClosed closed spans', () => {
    const { roots, placed, add } = collect({ keepClosed: 3 });
    add('r', null, 0, 1);
    for (let i = 0; i < 2; i++) add(`x${i}`, null, 2 + i, 2.5 + i);
    // r and two more spans closed: r is still known.
    add('late', 'r', 10, 11);
    // More spans closed since: r is forgotten, and its next child has no root.
    for (let i = 2; i < 5; i++) add(`x${i}`, null, 20 + i, 20.5 + i);
    add('later', 'r', 30, 31);
    roots.finish();
    expect(placed.get('late')).toBe('r');
    expect(placed.get('later')).toBeUndefined();
    expect(roots.unplaced).toBe(1);
  });

  it('an open span is never forgotten, however many spans close meanwhile', () => {
    const { roots, placed, add } = collect({ keepClosed: 2 });
    add('main', null, 0, 1000);
    for (let i = 0; i < 50; i++) add(`step${i}`, 'main', 1 + i, 1.5 + i);
    roots.finish();
    for (let i = 0; i < 50; i++) expect(placed.get(`step${i}`)).toBe('main');
  });

  it('past maxWaiting the longest-waiting give up, with their subtrees; finish() ends the rest', () => {
    const { roots, placed, add } = collect({ maxWaiting: 2 });
    add('a', 'lost1', 0, 1);
    add('a1', 'a', 0.1, 0.5);
    add('b', 'lost2', 0.2, 1);
    // Three waiting: a (for lost1) gives up, and a1 (for a) is placed with it.
    expect(placed.get('a')).toBeUndefined();
    expect(placed.has('a')).toBe(true);
    expect(placed.get('a1')).toBeUndefined();
    expect(placed.has('a1')).toBe(true);
    expect(placed.has('b')).toBe(false);
    roots.finish();
    expect(placed.has('b')).toBe(true);
    expect(roots.unplaced).toBe(3);
  });

  it('a parent id of another trace is not a parent', () => {
    const { roots, placed, add } = collect();
    add('r', null, 0, 10, { trace: 't1' });
    add('c', 'r', 1, 2, { trace: 't2' });
    roots.finish();
    expect(placed.get('c')).toBeUndefined();
  });
});
