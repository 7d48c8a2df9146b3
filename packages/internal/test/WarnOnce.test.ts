import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_WARNED_KEYS, reportError, WarnOnce } from '../src/WarnOnce.js';

let emitted: Array<[string, unknown]>;
beforeEach(() => {
  emitted = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning, options) => {
    emitted.push([String(warning), (options as { code?: string }).code]);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('WarnOnce', () => {
  it('emits the first warning of each key and counts the repeats', () => {
    const warnings = new WarnOnce();
    expect(warnings.warn('A', 'first a', 'CODE_A')).toBe(true);
    expect(warnings.warn('A', 'second a', 'CODE_A')).toBe(false);
    expect(warnings.warn('B', 'first b', 'CODE_B')).toBe(true);
    expect(emitted).toEqual([
      ['first a', 'CODE_A'],
      ['first b', 'CODE_B'],
    ]);
    expect(warnings.suppressed).toBe(1);
    expect(String(warnings)).toBe('WarnOnce{keys=2, suppressed=1}');
  });

  it('remembers a bounded number of keys', () => {
    const warnings = new WarnOnce();
    for (let i = 0; i < MAX_WARNED_KEYS + 10; i++) warnings.warn(`k${i}`, 'm', 'C');
    expect(emitted).toHaveLength(MAX_WARNED_KEYS);
    expect(warnings.suppressed).toBe(10);
  });

  it('never throws, even when emitting does', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('listener failed');
    });
    expect(() => new WarnOnce().warn('A', 'm', 'C')).not.toThrow();
  });
});

describe('reportError', () => {
  it('hands the error to onError when given, and never warns', () => {
    const seen: Error[] = [];
    const error = new Error('boom');
    reportError(error, (e) => seen.push(e), new WarnOnce(), 'K', 'C');
    expect(seen).toEqual([error]);
    expect(emitted).toEqual([]);
  });

  it('swallows an onError that throws', () => {
    const failing = () => {
      throw new Error('hook failed');
    };
    expect(() => reportError(new Error('boom'), failing, new WarnOnce(), 'K', 'C')).not.toThrow();
  });

  it('without onError warns once per key, with the given message', () => {
    const warnings = new WarnOnce();
    reportError(new Error('boom'), undefined, warnings, 'K', 'FERRET_K');
    reportError(new Error('boom again'), undefined, warnings, 'K', 'FERRET_K');
    reportError(new Error('other'), undefined, warnings, 'L', 'FERRET_L', 'other, said better');
    expect(emitted).toEqual([
      ['boom', 'FERRET_K'],
      ['other, said better', 'FERRET_L'],
    ]);
  });
});
