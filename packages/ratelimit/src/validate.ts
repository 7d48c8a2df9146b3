// Boundary checks shared by every constructor in the package, and by the other Ferret packages
// through the `@ferret/ratelimit/options` subpath. Each message names the option and says why the
// value is refused, in the style of p-throttle.

/** Throws unless `value` is a finite number > 0 (or >= 0 when `allowZero`). */
export function assertPositiveNumber(
  option: string,
  value: unknown,
  {
    allowZero = false,
    allowInfinity = false,
  }: { allowZero?: boolean; allowInfinity?: boolean } = {},
): asserts value is number {
  checkNumber(option, value, 0, !allowZero, allowInfinity);
}

/**
 * Throws unless `value` is a number >= `min`, finite unless `allowInfinity` (for options whose
 * floor is not zero, such as a burst of at least one).
 */
export function assertNumberAtLeast(
  option: string,
  value: unknown,
  min: number,
  { allowInfinity = false }: { allowInfinity?: boolean } = {},
): asserts value is number {
  checkNumber(option, value, min, false, allowInfinity);
}

/** Throws unless `value` is a positive safe integer (or >= 0 when `allowZero`). */
export function assertPositiveInteger(
  option: string,
  value: unknown,
  { allowZero = false }: { allowZero?: boolean } = {},
): asserts value is number {
  checkInteger(option, value, 0, !allowZero);
}

/** Throws unless `value` is a safe integer >= `min` (for counts and sizes of at least one). */
export function assertIntegerAtLeast(
  option: string,
  value: unknown,
  min: number,
): asserts value is number {
  checkInteger(option, value, min, false);
}

/** Throws unless `value` is a function. */
export function assertFunction(option: string, value: unknown): asserts value is Function {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${option}\` to be a function, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a plain options object (or undefined). */
export function assertOptionsObject(name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a boolean. */
export function assertBoolean(option: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${option}\` to be a boolean, got ${describe(value)}`);
  }
}

/** Longest part of a refused string that a message quotes. */
const QUOTED_CHARS = 64;

/**
 * A string from outside (an option, an environment variable) as messages quote it: JSON-quoted,
 * so control characters are escaped, and cut to 64 characters with `…` after, so a huge value
 * cannot flood a log.
 */
export function quoted(value: string): string {
  return value.length > QUOTED_CHARS
    ? `${JSON.stringify(value.slice(0, QUOTED_CHARS))}…`
    : JSON.stringify(value);
}

/**
 * A refused value as the error messages show it: `null`, `array`, `string "10"`, else its
 * `typeof`. Never the value itself for objects, which may be large or hold secrets.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${quoted(value)}`;
  return typeof value;
}

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

function checkNumber(
  option: string,
  value: unknown,
  min: number,
  excludeMin: boolean,
  allowInfinity: boolean,
): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${option}\` to be a number, got ${describe(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`Expected \`${option}\` to be a number, got NaN`);
  if (!allowInfinity && !Number.isFinite(value)) {
    throw new RangeError(`Expected \`${option}\` to be a finite number, got ${value}`);
  }
  assertAbove(option, value, min, excludeMin);
}

function checkInteger(
  option: string,
  value: unknown,
  min: number,
  excludeMin: boolean,
): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${option}\` to be an integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected \`${option}\` to be a whole number, got ${value}`);
  }
  assertAbove(option, value, min, excludeMin);
}

function assertAbove(option: string, value: number, min: number, excludeMin: boolean): void {
  if (value < min || (excludeMin && value === min)) {
    throw new RangeError(
      `Expected \`${option}\` to be ${excludeMin ? '>' : '>='} ${min}, got ${value}`,
    );
  }
}
