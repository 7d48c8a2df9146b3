// The `ot` tracestate entry: the specification's test vectors and its edge cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustedCount,
  parseOtValue,
  serializeOtValue,
  trimThreshold,
} from '../src/otTraceState.js';

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

// 2^56 / (2^56 - T) with the divisor computed exactly in BigInt and rounded once.
function referenceCount(threshold: bigint): number {
  return 2 ** 56 / Number(2n ** 56n - threshold);
}

function hex14(threshold: bigint): string {
  return threshold.toString(16).padStart(14, '0');
}

describe('adjustedCount', () => {
  // The specification's table (tracestate-probability-sampling.md, "Converting floating-point
  // probability to threshold value"): th as written, exact adjusted count.
  it.each([
    ['0', 1],
    ['8', 2],
    ['aab', 3.0007326007326007],
    ['aaab', 3.00004577706569],
    ['aaaab', 3.0000028610256777],
    ['c', 4],
    ['cccd', 5.0000762951094835],
    ['e', 8],
    ['e666', 9.99938968568813],
    ['f', 16],
    ['fd71', 100.05496183206107],
    ['fd70a', 99.99771123402633],
    ['fd70a4', 100.00009536752259],
    ['ffbe77', 1000.012874769029],
    ['fff9724', 9999.830725674266],
    ['ffff583a', 99999.238556461],
    ['ffffef391', 1.0000069374699865e6],
  ])('th:%s → %d, in the trimmed form and the 14-digit form', (th, count) => {
    expect(adjustedCount(th)).toBeCloseTo(count, 9);
    expect(adjustedCount(th.padEnd(14, '0'))).toBe(adjustedCount(th));
    expect(adjustedCount(parseOtValue(`th:${th}`).threshold!)).toBe(adjustedCount(th));
  });

  it('gives 2^56 for the largest threshold, not Infinity', () => {
    expect(adjustedCount('ffffffffffffff')).toBe(2 ** 56);
    expect(adjustedCount('fffffffffffffe')).toBe(2 ** 55);
  });

  it.each([
    ['', 'empty'],
    ['zz', 'not hex'],
    ['8A', 'uppercase'],
    ['0x8', 'a 0x prefix'],
    [' 8', 'a space'],
    ['-8', 'a sign'],
    ['123456789abcdef', '15 digits'],
    [8 as unknown as string, 'a number'],
    [undefined as unknown as string, 'undefined'],
  ])('gives undefined for %j (%s), never NaN or a throw', (th) => {
    expect(adjustedCount(th)).toBeUndefined();
  });

  it('reads every 56-bit threshold exactly as the BigInt reference, trimmed or not', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 56n - 1n }), (threshold) => {
        const full = hex14(threshold);
        expect(adjustedCount(full)).toBe(referenceCount(threshold));
        expect(adjustedCount(trimThreshold(full))).toBe(referenceCount(threshold));
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips probability → th → adjusted count: 1 / p for every p = k / 2^n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 56 }),
        fc.bigInt({ min: 1n, max: 2n ** 53n }),
        (n, k) => {
          // p = k / 2^n with k ≤ 2^n, so that 2^56 × p = k × 2^(56-n) is a whole number.
          const kept = (k % 2n ** BigInt(n)) + 1n; // 1 … 2^n
          const probability = Number(kept) / 2 ** n;
          const threshold = 2n ** 56n - kept * 2n ** BigInt(56 - n);
          const th = trimThreshold(hex14(threshold));
          const parsed = parseOtValue(serializeOtValue(hex14(threshold), undefined, []));
          expect(parsed.threshold).toBe(hex14(threshold));
          expect(adjustedCount(th)).toBe(1 / probability);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
