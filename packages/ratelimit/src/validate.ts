// The checks every limiter of this package shares, on top of the option and bucket checks all
// Ferret packages share (`@ferret/internal`, re-exported here for the limiters).
import { assertPositiveNumber } from '@ferret/internal';

export {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertKeyLengthBound,
  assertKnownOptions,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
  assertTakeCount,
  boundedKey,
  checkRateAndCapacity,
  DEFAULT_MAX_KEY_LENGTH,
  describe,
  optionKeys,
} from '@ferret/internal';

/**
 * The burst an options object asks for: `burst`, or the older name `alias` it still accepts
 * (`capacity`, `burstSize`). Returns the value and the name the caller used, so messages name
 * the option as written. Both at once is refused.
 */
export function burstOption(
  options: object,
  alias: 'capacity' | 'burstSize',
): { value: unknown; option: string } {
  const { burst } = options as { burst?: unknown };
  const aliased = (options as Record<string, unknown>)[alias];
  if (burst !== undefined && aliased !== undefined) {
    throw new TypeError(`Pass \`burst\` or its alias \`${alias}\`, not both`);
  }
  return burst !== undefined
    ? { value: burst, option: 'burst' }
    : { value: aliased, option: alias };
}

/** Checks a bucket's `initialTokens` (default: a full bucket) against its checked `capacity`. */
export function checkInitialTokens(initialTokens: unknown, capacity: number): number {
  const resolved = initialTokens ?? capacity;
  assertPositiveNumber('initialTokens', resolved, { allowZero: true, allowInfinity: true });
  if (resolved > capacity) {
    throw new RangeError(
      `Expected \`initialTokens\` to be <= capacity (${capacity}), got ${resolved}`,
    );
  }
  return resolved;
}
