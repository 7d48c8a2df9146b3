// The OpenTelemetry entry of the W3C tracestate, `ot=th:<threshold>;rv:<randomness>;...`, as the
// tracestate-handling and probability-sampling specifications define it. Values are read from
// other services, so everything here is untrusted input: nothing throws, work is bounded by the
// 256-character limit, and what is malformed is erased rather than trusted.

/** Most characters of the `ot` value; a longer one is ignored whole. */
export const OT_VALUE_MAX_LENGTH = 256;

/** Hex digits of a threshold or randomness value: 56 bits. */
export const RANDOMNESS_DIGITS = 14;

/** The threshold that samples everything (`th:0`): 14 zero digits. */
export const ZERO_THRESHOLD = '0'.repeat(RANDOMNESS_DIGITS);

// One sub-key: a lowercase key, a colon, and value characters (letters, digits, `.`, `_`, `-`).
const MEMBER = /^([a-z][a-z0-9]*):([A-Za-z0-9._-]*)$/;
const TH = /^[0-9a-f]{1,14}$/;
const RV = /^[0-9a-f]{14}$/;

/** The parsed `ot` value. */
export interface OtValue {
  /** The threshold as 14 lowercase hex digits (trailing zeros restored); undefined when absent or invalid. */
  threshold: string | undefined;
  /** The explicit randomness, 14 lowercase hex digits; undefined when absent or invalid. */
  randomness: string | undefined;
  /** Other sub-keys, kept verbatim in order (`key:value`). */
  rest: string[];
  /** True when something was dropped (a malformed, duplicate or invalid sub-key, or the whole value). */
  erased: boolean;
}

/**
 * Parses an `ot` tracestate value. Per the specifications: a value longer than 256 characters,
 * or with a member that is not `key:value` (bad characters, empty members, a trailing `;`), is
 * ignored whole; `th` must be 1 to 14 lowercase hex digits and `rv` exactly 14, else that
 * sub-key is erased; a sub-key given twice is ambiguous and erased too. Never throws.
 */
export function parseOtValue(value: string | undefined): OtValue {
  const parsed: OtValue = { threshold: undefined, randomness: undefined, rest: [], erased: false };
  if (value === undefined || value === '') return parsed;
  if (typeof value !== 'string' || value.length > OT_VALUE_MAX_LENGTH) {
    parsed.erased = true;
    return parsed;
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const members = value.split(';');
  const entries: [string, string][] = [];
  for (const member of members) {
    const match = MEMBER.exec(member);
    if (match === null) {
      return { threshold: undefined, randomness: undefined, rest: [], erased: true };
    }
    const key = match[1]!;
    if (seen.has(key)) duplicates.add(key);
    seen.add(key);
    entries.push([key, match[2]!]);
  }
  for (const [key, raw] of entries) {
    if (duplicates.has(key)) {
      parsed.erased = true;
      continue;
    }
    if (key === 'th') {
      if (TH.test(raw)) parsed.threshold = raw.padEnd(RANDOMNESS_DIGITS, '0');
      else parsed.erased = true;
    } else if (key === 'rv') {
      if (RV.test(raw)) parsed.randomness = raw;
      else parsed.erased = true;
    } else {
      parsed.rest.push(`${key}:${raw}`);
    }
  }
  return parsed;
}

/**
 * Serialises an `ot` value: `th` (trailing zeros trimmed, `0` for the zero threshold), then `rv`,
 * then the other sub-keys while the value stays within 256 characters. Empty when there is
 * nothing to write.
 */
export function serializeOtValue(
  threshold: string | undefined,
  randomness: string | undefined,
  rest: readonly string[],
): string {
  const parts: string[] = [];
  if (threshold !== undefined) parts.push(`th:${trimThreshold(threshold)}`);
  if (randomness !== undefined) parts.push(`rv:${randomness}`);
  let length = parts.join(';').length;
  for (const member of rest) {
    const added = (length > 0 ? 1 : 0) + member.length;
    if (length + added > OT_VALUE_MAX_LENGTH) break;
    parts.push(member);
    length += added;
  }
  return parts.join(';');
}

/** `th` digits without trailing zeros; `0` for the zero threshold. */
export function trimThreshold(threshold: string): string {
  const trimmed = threshold.replace(/0+$/, '');
  return trimmed === '' ? '0' : trimmed;
}

/**
 * Adjusted count (how many spans a sampled one stands for) of a threshold, `2^56 / (2^56 - T)`:
 * 2 for `8`, 4 for `c`, 1 for `0`, 2^56 for `ffffffffffffff`. `threshold` is a `th` value as it
 * appears in the tracestate (`ot=th:8`: 1 to 14 lowercase hex digits, trailing zeros dropped) or
 * the 14-digit form {@link parseOtValue} returns; trailing zeros are restored before reading, as
 * the specification says. `2^56 - T` is computed exactly and rounded once, so the result is the
 * double nearest the quotient of the rounded divisor. Anything else (not a string, empty, more
 * than 14 digits, uppercase or non-hex) gives `undefined`, never a throw: thresholds come from
 * other services.
 */
export function adjustedCount(threshold: string): number | undefined {
  if (typeof threshold !== 'string' || !TH.test(threshold)) return undefined;
  const digits = threshold.padEnd(RANDOMNESS_DIGITS, '0');
  // T = high × 2^28 + low, each half exact in a double; so is (2^28 - high) × 2^28.
  const high = Number.parseInt(digits.slice(0, 7), 16);
  const low = Number.parseInt(digits.slice(7), 16);
  const kept = (2 ** 28 - high) * 2 ** 28 - low;
  return 2 ** 56 / kept;
}
