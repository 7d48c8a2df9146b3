import type { SpanRecord } from '@ferret/profiler';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeJsonBuilder, encodeSpanBatch, idsOf } from '../src/spanBatch.js';
import { span } from './helpers.js';

const attributeValue = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string()),
  fc.array(fc.double()),
  fc.array(fc.boolean()),
);
const attributes = fc.dictionary(
  fc.oneof(fc.string(), fc.constantFrom('0', '10', '__proto__', 'a.b')),
  attributeValue,
  {
    maxKeys: 6,
  },
);

describe('encodeSpanBatch', () => {
  it('attribute JSON equals JSON.stringify of each span’s attributes', () => {
    fc.assert(
      fc.property(fc.array(attributes, { maxLength: 20 }), (all) => {
        const spans = all.map((a) => span({ attributes: a }));
        const batch = encodeSpanBatch(spans);
        const builder = new AttributeJsonBuilder(batch);
        all.forEach((a, i) => {
          expect(builder.next(i)).toBe(Object.keys(a).length === 0 ? null : JSON.stringify(a));
        });
      }),
    );
  });

  it('falls back to the object for values that do not flatten, keeping span order', () => {
    const spans: SpanRecord[] = [
      span({ attributes: { a: 1 } }),
      span({ attributes: { nested: { x: 1 }, b: 2 } as never }),
      span({ attributes: { c: 'z', skipped: undefined } as never }),
      span({ attributes: { d: [1, 2] } }),
    ];
    const builder = new AttributeJsonBuilder(encodeSpanBatch(spans));
    expect([0, 1, 2, 3].map((i) => builder.next(i))).toEqual([
      '{"a":1}',
      '{"nested":{"x":1},"b":2}',
      '{"c":"z"}',
      '{"d":[1,2]}',
    ]);
  });

  it('packs ids, keeping malformed ones as given for the writer to refuse', () => {
    const good = span({ parentSpanId: 'ffffffffffffffff' });
    const root = span();
    const odd = span({ traceId: 'short', spanId: 7 as never });
    const batch = encodeSpanBatch([good, root, odd]);
    expect(idsOf(batch, 0)).toEqual([good.traceId, good.spanId, 'ffffffffffffffff']);
    expect(idsOf(batch, 1)).toEqual([root.traceId, root.spanId, undefined]);
    expect(idsOf(batch, 2)).toEqual(['short', 7, undefined]);
    expect(batch.names).toEqual(['work']);
  });
});
