import { quoted } from './optionChecks.js';
import { WarnOnce } from './WarnOnce.js';

/** The warning code of every malformed environment variable, in every package. */
export const ENV_WARNING_CODE = 'FERRET_ENV';

/** What the environment reader is given: `process.env` or a plain record. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The range a numeric variable accepts. */
export interface NumberRange {
  /** Smallest accepted value. */
  min: number;
  /** `true` refuses `min` itself (a value must be > min). Default `false`. */
  excludeMin?: boolean;
  /** `true` accepts `Infinity`/`inf` (any case). Default `false`. */
  allowInfinity?: boolean;
  /** `true` accepts whole numbers only. Default `false`. */
  integer?: boolean;
  /** Largest accepted value (finite). Default: none. */
  max?: number;
}

// One grammar for every numeric variable: a decimal number, optional leading `+`, optional
// exponent; `Infinity`/`inf` only where the variable allows it. No hex, no trailing junk.
const DECIMAL = /^\+?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const INFINITY = /^\+?inf(?:inity)?$/i;
const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/**
 * Where the names of the variables already reported live: on `globalThis`, so that every copy of
 * this module shares them (each Ferret package bundles its own copy, and `ferret run` loads
 * several packages that read the same variable). One set per thread.
 */
export const ENV_WARNED_KEY: unique symbol = Symbol.for('ferret.envWarned');

/** The thread's set of reported variable names, created by the first copy that needs it. */
function sharedWarnedSet(): Set<string> {
  const holder = globalThis as { [ENV_WARNED_KEY]?: unknown };
  const existing = holder[ENV_WARNED_KEY];
  if (existing instanceof Set) return existing as Set<string>;
  const created = new Set<string>();
  try {
    Object.defineProperty(holder, ENV_WARNED_KEY, { value: created, configurable: true });
  } catch {
    // A frozen global: this copy keeps its own memory.
  }
  return created;
}

let envWarnings: WarnOnce | undefined;
let envWarnedSet: Set<string> | undefined;

/**
 * The reporter over the shared set (looked up at each report, so a copy loaded before the set was
 * replaced still shares it): a malformed variable is reported once per process, however often
 * and by however many copies it is read.
 */
function envWarningsNow(): WarnOnce {
  const set = sharedWarnedSet();
  if (envWarnings === undefined || set !== envWarnedSet) {
    envWarnedSet = set;
    envWarnings = new WarnOnce(set);
  }
  return envWarnings;
}

/**
 * Reads a number from the first of `names` that is set and non-empty (a name and its aliases,
 * preferred name first). Returns `undefined` when none is set, or when the value is malformed or
 * out of range: then one warning per variable per process (code `FERRET_ENV`) names the variable
 * and the value, and says `fallback` applies. Never throws.
 */
export function readEnvNumber(
  env: Environment,
  names: string | readonly string[],
  range: NumberRange,
  fallback: string,
): number | undefined {
  const found = firstSet(env, names);
  if (found === undefined) return undefined;
  const parsed = parseNumber(found.value, range);
  if (parsed !== undefined) return parsed;
  warnMalformed(found.name, found.raw, describeRange(range), fallback);
  return undefined;
}

/**
 * Reads a boolean (`true/false`, `1/0`, `yes/no`, `on/off`, any case) from the first of `names`
 * that is set and non-empty. Malformed: `undefined` and one warning, as {@link readEnvNumber}.
 */
export function readEnvBoolean(
  env: Environment,
  names: string | readonly string[],
  fallback: string,
): boolean | undefined {
  const found = firstSet(env, names);
  if (found === undefined) return undefined;
  const word = found.value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  warnMalformed(found.name, found.raw, 'true/false, 1/0, yes/no or on/off', fallback);
  return undefined;
}

/**
 * Reads a string from the first of `names` that is set and non-empty (trimmed). Returns
 * `undefined` when none is set, or when `accept` refuses the trimmed value: then one warning per
 * variable per process (code `FERRET_ENV`) names the variable, says what was `expected` and that
 * `fallback` applies. With `secret`, the warning leaves the value out (a URL may hold a
 * password). Never throws.
 */
export function readEnvString(
  env: Environment,
  names: string | readonly string[],
  accept: (value: string) => boolean,
  expected: string,
  fallback: string,
  options: { secret?: boolean } = {},
): string | undefined {
  const found = firstSet(env, names);
  if (found === undefined) return undefined;
  if (accept(found.value)) return found.value;
  warnMalformed(found.name, options.secret === true ? undefined : found.raw, expected, fallback);
  return undefined;
}

/** The number `text` denotes under the shared grammar and `range`, else `undefined`. */
export function parseNumber(text: string, range: NumberRange): number | undefined {
  let value: number;
  if (INFINITY.test(text)) {
    if (range.allowInfinity !== true) return undefined;
    value = Number.POSITIVE_INFINITY;
  } else {
    if (!DECIMAL.test(text)) return undefined;
    value = Number(text);
    if (!Number.isFinite(value)) return undefined;
  }
  if (value < range.min || (range.excludeMin === true && value === range.min)) return undefined;
  if (range.integer === true && !Number.isInteger(value)) return undefined;
  if (range.max !== undefined && value > range.max) return undefined;
  return value;
}

/** `a number >= 1`, `a number > 0 or Infinity`: how warnings and docs describe a range. */
export function describeRange(range: NumberRange): string {
  const bound = `${range.excludeMin === true ? '>' : '>='} ${range.min}`;
  const kind = range.integer === true ? 'a whole number' : 'a number';
  const upper = range.max === undefined ? '' : ` and <= ${range.max}`;
  return `${kind} ${bound}${upper}${range.allowInfinity === true ? ' or Infinity' : ''}`;
}

function firstSet(
  env: Environment,
  names: string | readonly string[],
): { name: string; raw: string; value: string } | undefined {
  for (const name of typeof names === 'string' ? [names] : names) {
    const raw = env[name];
    if (typeof raw !== 'string') continue;
    const value = raw.trim();
    if (value !== '') return { name, raw, value };
  }
  return undefined;
}

/** `raw` undefined: a secret, left out of the message. */
function warnMalformed(
  name: string,
  raw: string | undefined,
  expected: string,
  fallback: string,
): void {
  const shown = raw === undefined ? `${name} (value not shown)` : `${name}=${quoted(raw)}`;
  envWarningsNow().warn(
    name,
    `Ignoring ${shown}: expected ${expected}; using ${fallback}`,
    ENV_WARNING_CODE,
  );
}
