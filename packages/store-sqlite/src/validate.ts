// Boundary checks for constructor options (the same wording as @ferret/ratelimit's). Each message names the option
// and says why the value is refused, in the style of p-throttle.

/** Throws unless `value` is a positive safe integer (or >= 0 when `allowZero`). */
export function assertPositiveInteger(
  option: string,
  value: unknown,
  { allowZero = false }: { allowZero?: boolean } = {},
): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${option}\` to be an integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected \`${option}\` to be a whole number, got ${value}`);
  }
  if (value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `Expected \`${option}\` to be ${allowZero ? '>= 0' : '> 0'}, got ${value}`,
    );
  }
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

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return typeof value;
}

/** Throws unless `value` is a boolean. */
export function assertBoolean(option: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${option}\` to be a boolean, got ${describe(value)}`);
  }
}
