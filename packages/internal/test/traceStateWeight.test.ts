// Header-shaped input parsed by hand: this package has no OpenTelemetry dependency.
import { describe, expect, it } from 'vitest';
import {
  ferretTraceStateValue,
  MAX_SAMPLING_WEIGHT,
  traceStateWeight,
} from '../src/traceStateWeight.js';

/** A `tracestate` header as `TraceState.get` reads it (first member of a key wins). */
function weightOf(header: string): number | undefined {
  const members = new Map<string, string>();
  for (const member of header.split(',')) {
    const at = member.indexOf('=');
    if (at > 0 && !members.has(member.slice(0, at))) {
      members.set(member.slice(0, at), member.slice(at + 1));
    }
  }
  return traceStateWeight((key) => members.get(key));
}

describe('traceStateWeight', () => {
  it("reads the adjusted count of OpenTelemetry's ot=th threshold", () => {
    expect(weightOf('ot=th:8')).toBe(2); // rejects half: 2^56 / (2^56 - 2^55)
    expect(weightOf('ot=th:c')).toBe(4);
    expect(weightOf('ot=th:0')).toBe(1);
    expect(weightOf('ot=rv:0123456789abcd;th:f')).toBe(16);
  });

  it('reads ferret=p:<probability>', () => {
    expect(weightOf('ferret=p:0.04')).toBe(25);
    expect(weightOf('ferret=p:1')).toBe(1);
    expect(weightOf('other=x,ferret=p:0.5')).toBe(2);
    expect(weightOf('ferret=p:2.5e-5')).toBeCloseTo(40_000, 6);
  });

  it('prefers the standard th over the ferret member', () => {
    expect(weightOf('ot=th:8,ferret=p:0.04')).toBe(2);
    expect(weightOf('ot=th:zz,ferret=p:0.04')).toBe(25); // a malformed th is ignored
  });

  it('ignores malformed or out-of-range values, never throws', () => {
    for (const header of [
      '',
      'ferret=p:0',
      'ferret=p:1.5',
      'ferret=p:-0.5',
      'ferret=p:NaN',
      'ferret=p:Infinity',
      'ferret=q:0.5',
      'ferret=p:0x10',
      `ferret=p:0.${'1'.repeat(70)}`,
      'ot=th:123456789abcdef', // 15 digits
      'ot=th:8;th:8', // a duplicate sub-key is erased
    ]) {
      expect(weightOf(header), header).toBeUndefined();
    }
    expect(
      traceStateWeight(() => {
        throw new Error('broken trace state');
      }),
    ).toBeUndefined();
    expect(traceStateWeight(() => 42 as never)).toBeUndefined();
  });

  it('ignores a weight above 2^20 (forged headers), in both forms', () => {
    expect(MAX_SAMPLING_WEIGHT).toBe(2 ** 20);
    for (const header of [
      'ferret=p:1e-300',
      'ferret=p:1e-7',
      'ferret=p:9.5e-7',
      'ot=th:fffffffffffff',
      'ot=th:ffffff',
      'ot=th:fffff1',
    ]) {
      expect(weightOf(header), header).toBeUndefined();
    }
    // The bound itself is valid: p = 2^-20 (as written, 8 digits), th = fffff.
    expect(weightOf('ot=th:fffff')).toBe(2 ** 20);
    expect(weightOf(`ferret=p:${2 ** -20}`)).toBe(2 ** 20);
    expect(weightOf('ferret=p:1e-6')).toBeCloseTo(1e6, 3);
    // A forged th is absent, so a valid ferret member still counts.
    expect(weightOf('ot=th:fffffffffffff,ferret=p:0.5')).toBe(2);
  });

  it('writes a probability below 2^-20 as 2^-20, so the value stays readable', () => {
    for (const p of [1e-300, 1e-9, 2 ** -21]) {
      const value = ferretTraceStateValue(p);
      const weight = traceStateWeight((key) => (key === 'ferret' ? value : undefined));
      expect(weight, value).toBeCloseTo(2 ** 20, 0);
      expect(weight).toBeLessThanOrEqual(2 ** 20);
    }
  });

  it('round-trips the value the samplers write', () => {
    for (const p of [1, 0.5, 0.04, 1 / 3, 1 / 7919, 2 ** -20]) {
      const value = ferretTraceStateValue(p);
      expect(value.length).toBeLessThanOrEqual(24);
      expect(traceStateWeight((key) => (key === 'ferret' ? value : undefined))).toBeCloseTo(
        1 / p,
        -Math.log10(1e-6 / p),
      );
    }
  });
});
