// Boundary checks for this package's options. Each message names the option and says why the
// value is refused, in the style of p-throttle ("Expected `x` to be ..., got ...").

/** Throws unless `value` is a finite number > 0. */
export function assertPositiveFiniteNumber(
  option: string,
  value: unknown,
): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${option}\` to be a number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Expected \`${option}\` to be a finite number, got ${value}`);
  }
  if (value <= 0) throw new RangeError(`Expected \`${option}\` to be > 0, got ${value}`);
}

/** Throws unless `value` is a whole number >= 1. */
export function assertPositiveInteger(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${option}\` to be an integer, got ${describeValue(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected \`${option}\` to be a whole number, got ${value}`);
  }
  if (value < 1) throw new RangeError(`Expected \`${option}\` to be >= 1, got ${value}`);
}

/** Throws unless `value` is undefined or an object (not null, not an array). */
export function assertOptionalObject(option: string, value: unknown): void {
  if (
    value !== undefined &&
    (value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw new TypeError(`Expected \`${option}\` to be an object, got ${describeValue(value)}`);
  }
}

/** Short description of a refused value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return typeof value;
}
