// The two option checks whose wording differs from the shared ones in `@ferret/ratelimit/options`
// (documented in docs/api/sampler-otel.md and asserted by the tests): NaN is reported as "not a
// finite number", and an array is not accepted as the options object. Everything else is shared.
import { assertOptionsObject, assertPositiveNumber } from '@ferret/ratelimit/options';

/** Throws unless `value` is a finite number > 0. */
export function assertPositiveFiniteNumber(
  option: string,
  value: unknown,
): asserts value is number {
  if (Number.isNaN(value)) {
    throw new RangeError(`Expected \`${option}\` to be a finite number, got NaN`);
  }
  assertPositiveNumber(option, value);
}

/** Throws unless `value` is undefined or an object (not null, not an array). */
export function assertOptionalObject(option: string, value: unknown): void {
  if (Array.isArray(value)) {
    throw new TypeError(`Expected \`${option}\` to be an object, got array`);
  }
  assertOptionsObject(option, value);
}
