// Boundary checks every Ferret package uses for its options: a `TypeError` for a wrong type, a
// `RangeError` for a wrong value, each naming the option and saying why, in the style of
// p-throttle ("Expected `ratePerSecond` to be a finite number, got Infinity").

/** Throws unless `value` is a number > 0 (>= 0 with `allowZero`), finite unless `allowInfinity`. */
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

/**
 * Longest delay a Node.js timer takes: 2^31 − 1 ms, about 24.8 days. `setTimeout` and
 * `setInterval` turn a longer delay into 1 ms (with a `TimeoutOverflowWarning`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Throws unless `value` is a duration in milliseconds that a timer (or a 32-bit wait such as
 * SQLite's `busy_timeout`) can take: a finite number > 0 (>= 0 with `allowZero`, >= `min` when
 * given), a whole number with `integer`, and at most {@link MAX_TIMER_MS}.
 */
export function assertTimerMs(
  option: string,
  value: unknown,
  {
    min,
    allowZero = false,
    integer = false,
  }: { min?: number; allowZero?: boolean; integer?: boolean } = {},
): asserts value is number {
  const excludeMin = min === undefined && !allowZero;
  if (integer) checkInteger(option, value, min ?? 0, excludeMin);
  else checkNumber(option, value, min ?? 0, excludeMin, false);
  if (value > MAX_TIMER_MS) {
    throw new RangeError(
      `Expected \`${option}\` to be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest delay a Node.js timer takes), got ${value}`,
    );
  }
}

/** Throws unless `value` is a function. */
export function assertFunction(option: string, value: unknown): asserts value is Function {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${option}\` to be a function, got ${describe(value)}`);
  }
}

/** Throws unless `value` is an options object or undefined (not null, not an array). */
export function assertOptionsObject(name: string, value: unknown): void {
  if (
    value !== undefined &&
    (value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describe(value)}`);
  }
}

/**
 * Throws a `TypeError` naming the first key of `options` that is not in `known` (a misspelt
 * option such as `maxSpansPerSecnd` would otherwise be ignored and its default used), with the
 * known option it most likely meant. Only own enumerable string keys are looked at.
 */
export function assertKnownOptions(
  owner: string,
  options: object | undefined,
  known: readonly string[],
): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    throw new TypeError(
      `Unknown option ${quoted(key)} for ${owner}${guess === undefined ? '' : ` (did you mean \`${guess}\`?)`}; known options: ${known.join(', ')}`,
    );
  }
}

/**
 * The keys of an options type, as the list {@link assertKnownOptions} takes, written as an object
 * with one `true` per key (`optionKeys<TeeSinkOptions>({ branchTimeoutMs: true, … })`): TypeScript
 * refuses one that misses an option or names one the type does not have, so the list cannot fall
 * behind the interface.
 */
export function optionKeys<T extends object>(
  keys: {
    readonly [K in keyof T]-?: true;
  },
): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * Throws unless `value` is a string that {@link textSettingProblem} accepts: not blank, no control
 * character, at most `maxLength` characters (a `TypeError` for another type, else a `RangeError`
 * saying why). For free text that ends up in a database or on a terminal, such as a run id.
 */
export function assertTextOption(
  option: string,
  value: unknown,
  maxLength: number = MAX_TEXT_SETTING_LENGTH,
): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected \`${option}\` to be a string, got ${describe(value)}`);
  }
  const problem = textSettingProblem(value, maxLength);
  if (problem !== undefined) {
    throw new RangeError(
      `Expected \`${option}\` to be printable text, got ${quoted(value)}: ${problem}`,
    );
  }
}

/** The known name nearest `key` (case ignored, at most 2 edits or one a prefix of the other). */
function closest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const n = name.toLowerCase();
    const d = n.startsWith(k) || k.startsWith(n) ? 1 : editDistance(k, n, bestDistance);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or `limit` once it is at least that (names are short). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit || a.length > 64 || b.length > 64) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return Math.min(previous[b.length]!, limit);
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
 * with every control character escaped (C0, DEL and C1), and cut to 64 characters with `…` after, so a huge value
 * cannot flood a log.
 */
export function quoted(value: string): string {
  const cut = value.length > QUOTED_CHARS;
  // JSON escapes C0 controls but leaves DEL and the C1 controls (CSI among them) raw.
  const text = JSON.stringify(cut ? value.slice(0, QUOTED_CHARS) : value).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cut ? `${text}…` : text;
}

/** Longest file path, glob or id Ferret takes from an option or the environment (Linux's PATH_MAX). */
export const MAX_TEXT_SETTING_LENGTH = 4096;

// NUL, the other C0 controls, DEL and the C1 controls (CSI among them): none belongs in a path,
// a glob or an id, and each would reach a terminal when the value is echoed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `text` cannot be a file path, glob or id taken from outside, or `undefined` when it can:
 * blank text, a NUL byte or another control character, or more than `maxLength` characters are
 * refused. The reason never repeats the value (callers quote it with {@link quoted}).
 */
export function textSettingProblem(
  text: string,
  maxLength: number = MAX_TEXT_SETTING_LENGTH,
): string | undefined {
  if (text.trim() === '') return 'it is empty';
  if (text.length > maxLength) {
    return `it is ${text.length} characters long (at most ${maxLength})`;
  }
  const control = CONTROL_CHARACTER.exec(text);
  if (control !== null) {
    return control[0] === '\u0000'
      ? 'it holds a NUL byte'
      : `it holds the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
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
  if (Number.isNaN(value) || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(
      `Expected \`${option}\` to be a ${allowInfinity ? '' : 'finite '}number, got ${value}`,
    );
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
