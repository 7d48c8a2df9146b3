import { describe, expect, it } from 'vitest';
import {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertKnownOptions,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
  assertTextOption,
  assertTimerMs,
  MAX_TEXT_SETTING_LENGTH,
  MAX_TIMER_MS,
  optionKeys,
  quoted,
  textSettingProblem,
} from '../src/optionChecks.js';

type Case = [check: () => void, error: typeof TypeError | typeof RangeError, message: string];

describe('option checks', () => {
  it.each<Case>([
    [
      () => assertPositiveNumber('rate', '1'),
      TypeError,
      'Expected `rate` to be a number, got string "1"',
    ],
    [
      () => assertPositiveNumber('rate', Number.NaN),
      RangeError,
      'Expected `rate` to be a finite number, got NaN',
    ],
    [
      () => assertPositiveNumber('rate', Number.NaN, { allowInfinity: true }),
      RangeError,
      'Expected `rate` to be a number, got NaN',
    ],
    [
      () => assertPositiveNumber('rate', Number.POSITIVE_INFINITY),
      RangeError,
      'Expected `rate` to be a finite number, got Infinity',
    ],
    [() => assertPositiveNumber('rate', 0), RangeError, 'Expected `rate` to be > 0, got 0'],
    [
      () => assertPositiveNumber('rate', -1, { allowZero: true }),
      RangeError,
      'Expected `rate` to be >= 0, got -1',
    ],
    [
      () => assertNumberAtLeast('burst', 0.5, 1),
      RangeError,
      'Expected `burst` to be >= 1, got 0.5',
    ],
    [
      () => assertNumberAtLeast('burst', Number.NEGATIVE_INFINITY, 1, { allowInfinity: true }),
      RangeError,
      'Expected `burst` to be >= 1, got -Infinity',
    ],
    [
      () => assertNumberAtLeast('burst', null, 1),
      TypeError,
      'Expected `burst` to be a number, got null',
    ],
    [
      () => assertPositiveInteger('size', 1.5),
      RangeError,
      'Expected `size` to be a whole number, got 1.5',
    ],
    [() => assertPositiveInteger('size', 0), RangeError, 'Expected `size` to be > 0, got 0'],
    [() => assertIntegerAtLeast('size', 0, 1), RangeError, 'Expected `size` to be >= 1, got 0'],
    [
      () => assertIntegerAtLeast('size', [], 1),
      TypeError,
      'Expected `size` to be an integer, got array',
    ],
    [() => assertFunction('clock', 5), TypeError, 'Expected `clock` to be a function, got number'],
    [
      () => assertBoolean('enabled', 'yes'),
      TypeError,
      'Expected `enabled` to be a boolean, got string "yes"',
    ],
    [
      () => assertOptionsObject('options', null),
      TypeError,
      'Expected `options` to be an object, got null',
    ],
    [
      () => assertOptionsObject('options', [1]),
      TypeError,
      'Expected `options` to be an object, got array',
    ],
  ])('%#: refuses with the option named', (check, error, message) => {
    expect(check).toThrow(error);
    expect(check).toThrow(message);
  });

  it('accepts the values at the bounds', () => {
    expect(() => assertPositiveNumber('rate', 0, { allowZero: true })).not.toThrow();
    expect(() =>
      assertPositiveNumber('rate', Number.POSITIVE_INFINITY, { allowInfinity: true }),
    ).not.toThrow();
    expect(() => assertNumberAtLeast('burst', 1, 1)).not.toThrow();
    expect(() => assertPositiveInteger('size', 0, { allowZero: true })).not.toThrow();
    expect(() => assertIntegerAtLeast('size', 1, 1)).not.toThrow();
    expect(() => assertOptionsObject('options', undefined)).not.toThrow();
  });
});

describe('quoted', () => {
  it('escapes every control character (C0, DEL, C1) and cuts to 64 characters', () => {
    expect(quoted('a\u001b[2Jb\u007fc\u009b2Jd\u0085e')).toBe(
      '"a\\u001b[2Jb\\u007fc\\u009b2Jd\\u0085e"',
    );
    expect(quoted(`${'z'.repeat(100)}\u009b`)).toBe(`"${'z'.repeat(64)}"…`);
    expect(quoted('plain')).toBe('"plain"');
  });
});

describe('textSettingProblem', () => {
  it('refuses blank, NUL, control characters and over-long text, and says which', () => {
    expect(textSettingProblem('spans.db')).toBeUndefined();
    expect(textSettingProblem('x'.repeat(MAX_TEXT_SETTING_LENGTH))).toBeUndefined();
    expect(textSettingProblem(' ')).toBe('it is empty');
    expect(textSettingProblem('a\u0000b')).toBe('it holds a NUL byte');
    expect(textSettingProblem('a\u009bb')).toBe('it holds the control character U+009B');
    expect(textSettingProblem('x'.repeat(MAX_TEXT_SETTING_LENGTH + 1))).toBe(
      `it is ${MAX_TEXT_SETTING_LENGTH + 1} characters long (at most ${MAX_TEXT_SETTING_LENGTH})`,
    );
    expect(textSettingProblem('abcd', 3)).toBe('it is 4 characters long (at most 3)');
  });
});

describe('assertTimerMs', () => {
  it('takes what a Node.js timer can wait and refuses longer delays, naming the option', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    expect(() => assertTimerMs('flushIntervalMs', MAX_TIMER_MS)).not.toThrow();
    expect(() => assertTimerMs('flushIntervalMs', 1e12)).toThrow(RangeError);
    expect(() => assertTimerMs('flushIntervalMs', 1e12)).toThrow(
      'Expected `flushIntervalMs` to be at most 2147483647 ms (about 24.8 days, the longest delay a Node.js timer takes), got 1000000000000',
    );
    expect(() => assertTimerMs('t', MAX_TIMER_MS + 1, { integer: true })).toThrow(/at most/);
    expect(() => assertTimerMs('t', Number.POSITIVE_INFINITY)).toThrow('finite number');
    expect(() => assertTimerMs('t', 0)).toThrow('Expected `t` to be > 0, got 0');
    expect(() => assertTimerMs('t', 0, { allowZero: true })).not.toThrow();
    expect(() => assertTimerMs('t', 1.5, { integer: true })).toThrow('whole number');
    expect(() => assertTimerMs('t', 9, { min: 10 })).toThrow('Expected `t` to be >= 10, got 9');
    expect(() => assertTimerMs('t', 10, { min: 10 })).not.toThrow();
    expect(() => assertTimerMs('t', '5')).toThrow(TypeError);
  });
});

describe('assertKnownOptions', () => {
  it('refuses an unknown key, naming it and the option it most likely meant', () => {
    const known = ['maxSpansPerSecond', 'burst', 'sink'];
    expect(() => assertKnownOptions('Profiler', { burst: 1, sink: 2 }, known)).not.toThrow();
    expect(() => assertKnownOptions('Profiler', undefined, known)).not.toThrow();
    expect(() => assertKnownOptions('Profiler', { maxSpansPerSec: 5 }, known)).toThrow(
      'Unknown option "maxSpansPerSec" for Profiler (did you mean `maxSpansPerSecond`?); known options: maxSpansPerSecond, burst, sink',
    );
    expect(() => assertKnownOptions('Profiler', { brust: 5 }, known)).toThrow(
      '(did you mean `burst`?)',
    );
    expect(() => assertKnownOptions('X', { 'a\u001b[2J': 1 }, known)).toThrow(
      'Unknown option "a\\u001b[2J" for X; known options:',
    );
    expect(() => assertKnownOptions('X', { zzz: 1 }, known)).toThrow(TypeError);
  });
});

describe('optionKeys', () => {
  interface Options {
    a: number;
    b?: string;
  }
  it("lists an options type's keys, for assertKnownOptions", () => {
    const keys = optionKeys<Options>({ a: true, b: true });
    expect(keys).toEqual(['a', 'b']);
    expect(Object.isFrozen(keys)).toBe(true);
    expect(() => assertKnownOptions('O', { a: 1, c: 2 }, keys)).toThrow('Unknown option "c" for O');
    // @ts-expect-error: a list that misses an option does not compile
    optionKeys<Options>({ a: true });
    // @ts-expect-error: nor one naming an option the type does not have
    optionKeys<Options>({ a: true, b: true, c: true });
  });
});

describe('assertTextOption', () => {
  it('takes printable text up to a length and says why it refuses the rest', () => {
    expect(() => assertTextOption('runId', 'run-1', 256)).not.toThrow();
    expect(() => assertTextOption('runId', 5, 256)).toThrow(TypeError);
    expect(() => assertTextOption('runId', 'a\u009bb', 256)).toThrow(
      'Expected `runId` to be printable text, got "a\\u009bb": it holds the control character U+009B',
    );
    expect(() => assertTextOption('runId', 'x'.repeat(300), 256)).toThrow(
      'it is 300 characters long (at most 256)',
    );
  });
});
