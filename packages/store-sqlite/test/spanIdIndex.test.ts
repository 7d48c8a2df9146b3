import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpanIdIndex } from '../src/SpanIdIndex.js';

describe('SpanIdIndex', () => {
  it('answers like a Map over any sequence of set, delete, deleteIf and get, through growth', () => {
    // Few distinct keys, so probe runs collide, wrap and shift; a small start so it grows.
    const key = fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `span${i}`));
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), key, fc.integer({ min: 0, max: 3 })),
      fc.tuple(fc.constant('deleteIf' as const), key, fc.integer({ min: 0, max: 3 })),
      fc.tuple(fc.constant('delete' as const), key, fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const index = new SpanIdIndex<number>(1);
        const model = new Map<string, number>();
        for (const [kind, k, value] of ops) {
          if (kind === 'set') {
            index.set(k, value);
            model.set(k, value);
          } else if (kind === 'delete') {
            index.delete(k);
            model.delete(k);
          } else {
            index.deleteIf(k, value);
            if (model.get(k) === value) model.delete(k);
          }
          expect(index.size).toBe(model.size);
        }
        for (let i = 0; i < 40; i++) expect(index.get(`span${i}`)).toBe(model.get(`span${i}`));
      }),
      { numRuns: 300 },
    );
  });

  it('deleteIf leaves a later value under the same key in place', () => {
    const index = new SpanIdIndex<{ id: number }>();
    const first = { id: 1 };
    const second = { id: 2 };
    index.set('a', first);
    index.set('a', second);
    index.deleteIf('a', first);
    expect(index.get('a')).toBe(second);
    index.deleteIf('a', second);
    expect(index.get('a')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('holds 100,000 entries added and removed in a sliding window', () => {
    const index = new SpanIdIndex<number>();
    for (let i = 0; i < 100_000; i++) {
      index.set(i.toString(16).padStart(16, '0'), i);
      if (i >= 4096) index.deleteIf((i - 4096).toString(16).padStart(16, '0'), i - 4096);
    }
    expect(index.size).toBe(4096);
    expect(index.get((100_000 - 4096).toString(16).padStart(16, '0'))).toBe(100_000 - 4096);
    expect(index.get((100_000 - 4097).toString(16).padStart(16, '0'))).toBeUndefined();
  });
});
