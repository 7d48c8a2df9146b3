import { describe, expect, it } from 'vitest';
import {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
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
