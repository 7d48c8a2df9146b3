import { assertPositiveInteger, assertPositiveNumber } from './optionChecks.js';

/**
 * Checks the rate and capacity every bucket-backed limiter takes (a rate >= 0, `Infinity`
 * allowed; a capacity defaulting to one second of refill, at least one token) and returns both.
 * `rateOption` and `capacityOption` name them in messages where the public option is called
 * differently (`RateLimiter`'s `requestsPerSecond`, or an alias of `burst`).
 */
export function checkRateAndCapacity(
  ratePerSecond: unknown,
  capacity: unknown,
  rateOption = 'ratePerSecond',
  capacityOption = 'capacity',
): { ratePerSecond: number; capacity: number } {
  assertPositiveNumber(rateOption, ratePerSecond, { allowZero: true, allowInfinity: true });
  // `=== undefined`, not `??`: an explicit null is a caller bug worth reporting.
  const resolved = capacity === undefined ? Math.max(1, ratePerSecond) : capacity;
  assertCapacity(resolved, ratePerSecond, capacityOption);
  return { ratePerSecond, capacity: resolved };
}

/**
 * Capacity must hold at least one token (a smaller bucket could never grant `tryTake()`), and may
 * be infinite only for an infinite rate.
 */
function assertCapacity(
  capacity: unknown,
  ratePerSecond: number,
  option: string,
): asserts capacity is number {
  assertPositiveNumber(option, capacity, {
    allowInfinity: ratePerSecond === Number.POSITIVE_INFINITY,
  });
  if (capacity < 1) {
    throw new RangeError(
      `Expected \`${option}\` to be >= 1 (a smaller bucket could never grant a token), got ${capacity}`,
    );
  }
}

/**
 * Checks how many tokens one call takes: a whole number >= 1, and at most `limit` (a larger
 * take could never succeed). `from` names the limit in the message, e.g. `from a bucket of
 * capacity`.
 */
export function assertTakeCount(n: unknown, limit: number, from: string): asserts n is number {
  assertPositiveInteger('tokens', n);
  if (n > limit) {
    throw new RangeError(
      `Cannot take ${n} tokens at once ${from} ${limit}: it could never succeed`,
    );
  }
}
