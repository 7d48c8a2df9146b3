/**
 * `@ferret/ratelimit/options`: the option checks every Ferret package uses at its boundary, so
 * that all of them refuse bad input with the same wording: a `TypeError` for a wrong type, a
 * `RangeError` for a wrong value, each naming the option and saying why (p-throttle style:
 * "Expected `ratePerSecond` to be a finite number, got Infinity").
 *
 * @example
 * ```ts
 * import { assertIntegerAtLeast, assertOptionsObject } from '@ferret/ratelimit/options';
 *
 * assertOptionsObject('options', options);
 * assertIntegerAtLeast('maxQueueSize', options.maxQueueSize, 1);
 * ```
 * @packageDocumentation
 */
export {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
  checkRateAndCapacity,
  describe,
  quoted,
} from './validate.js';
