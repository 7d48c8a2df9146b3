// The `ot` tracestate entry: the specification's test vectors and its edge cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustedCount, parseOtValue, serializeOtValue } from '../src/otTraceState.js';

describe('parseOtValue', () => {
  it.each([
    ['th:0', '00000000000000', 1],
    ['th:8', '80000000000000', 2],
    ['th:c', 'c0000000000000', 4],
    ['th:fd70a4', 'fd70a400000000', 100],
  ])('%s → threshold %s, adjusted count %d', (value, threshold, count) => {
    const parsed = parseOtValue(value);
    expect(parsed).toEqual({ threshold, randomness: undefined, rest: [], erased: false });
    expect(adjustedCount(threshold)).toBeCloseTo(count, 2);
  });

  it('reads rv and keeps other sub-keys in order', () => {
    expect(parseOtValue('rv:00112233445566;th:8;xy:a.b_c-D')).toEqual({
      threshold: '80000000000000',
      randomness: '00112233445566',
      rest: ['xy:a.b_c-D'],
      erased: false,
    });
  });

  it.each([
    ['th:xyz', 'bad hex'],
    ['th:8A', 'uppercase hex'],
    ['th:', 'empty'],
    ['th:123456789abcdef', '15 digits'],
  ])('erases an invalid th (%s: %s) and keeps the rest', (th) => {
    const parsed = parseOtValue(`${th};rv:00112233445566`);
    expect(parsed.threshold).toBeUndefined();
    expect(parsed.randomness).toBe('00112233445566');
    expect(parsed.erased).toBe(true);
  });

  it.each(['rv:0011', 'rv:001122334455667', 'rv:0011223344556G'])(
    'erases an invalid rv (%s)',
    (rv) => {
      const parsed = parseOtValue(`th:8;${rv}`);
      expect(parsed).toMatchObject({
        threshold: '80000000000000',
        randomness: undefined,
        erased: true,
      });
    },
  );

  it('erases a sub-key given twice (which one was meant is unknown), keeping the others', () => {
    expect(parseOtValue('th:8;rv:00112233445566;th:c')).toEqual({
      threshold: undefined,
      randomness: '00112233445566',
      rest: [],
      erased: true,
    });
  });

  it.each([
    ['th:8;', 'a trailing ;'],
    [';th:8', 'an empty member'],
    ['th=8', 'no colon'],
    ['TH:8', 'an uppercase key'],
    ['th:8;x y:1', 'a space'],
    [`th:8;zz:${'a'.repeat(250)}`, 'more than 256 characters'],
  ])('ignores the whole value with %s (%s)', (value) => {
    expect(parseOtValue(value)).toEqual({
      threshold: undefined,
      randomness: undefined,
      rest: [],
      erased: true,
    });
  });

  it('never throws, whatever the input, and what it writes back fits in 256 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (value) => {
        const parsed = parseOtValue(value);
        const out = serializeOtValue(parsed.threshold, parsed.randomness, parsed.rest);
        expect(out.length).toBeLessThanOrEqual(256);
        // What is written back parses to the same thing, with nothing left to erase.
        const again = parseOtValue(out);
        expect(again.erased).toBe(false);
        expect(again.threshold).toBe(parsed.threshold);
        expect(again.randomness).toBe(parsed.randomness);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('serializeOtValue', () => {
  it('trims the trailing zeros of th, writes th:0 for the zero threshold, and rv in full', () => {
    expect(serializeOtValue('c0000000000000', undefined, [])).toBe('th:c');
    expect(serializeOtValue('00000000000000', '00112233445566', ['xy:1'])).toBe(
      'th:0;rv:00112233445566;xy:1',
    );
    expect(serializeOtValue(undefined, undefined, [])).toBe('');
  });

  it('drops trailing sub-keys that would make the value longer than 256 characters', () => {
    const out = serializeOtValue('80000000000000', undefined, [
      `aa:${'a'.repeat(240)}`,
      'bb:1',
      'cc:2',
    ]);
    expect(out.startsWith('th:8;aa:')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(256);
    expect(out.endsWith(';bb:1')).toBe(true);
  });
});
