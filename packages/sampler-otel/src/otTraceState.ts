// The public face of the tracestate codecs. They live in the private @ferret/internal, shared
// with `SqliteSpanExporter` and the `ferret run` preload; the signatures are declared here so
// that this package's published declarations never name the private package.
import * as codec from '@ferret/internal';

/** Most characters of the `ot` value; a longer one is ignored whole. */
export const OT_VALUE_MAX_LENGTH: number = codec.OT_VALUE_MAX_LENGTH;

/** The tracestate member Ferret's samplers write: `ferret=p:<probability>`. */
export const FERRET_TRACESTATE_KEY: string = codec.FERRET_TRACESTATE_KEY;

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
  return codec.parseOtValue(value);
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
  return codec.serializeOtValue(threshold, randomness, rest);
}

/**
 * Adjusted count (how many spans a sampled one stands for) of a threshold, `2^56 / (2^56 - T)`:
 * 2 for `8`, 4 for `c`, 1 for `0`, 2^56 for `ffffffffffffff`. `threshold` is a `th` value as it
 * appears in the tracestate (`ot=th:8`: 1 to 14 lowercase hex digits, trailing zeros dropped) or
 * the 14-digit form {@link parseOtValue} returns. Anything else (not a string, empty, more than
 * 14 digits, uppercase or non-hex) gives `undefined`, never a throw, as {@link parseOtValue} and
 * {@link traceStateWeight} treat malformed tracestate.
 */
export function adjustedCount(threshold: string): number | undefined {
  return codec.adjustedCount(threshold);
}

/**
 * The weight (adjusted count, ≥ 1) a span's tracestate states, read with `get` (e.g.
 * `(key) => span.spanContext().traceState?.get(key)`): OpenTelemetry's `ot=th:` threshold first,
 * then Ferret's `ferret=p:<probability>`. Undefined when neither holds a valid value. Never
 * throws.
 */
export function traceStateWeight(get: (key: string) => string | undefined): number | undefined {
  return codec.traceStateWeight(get);
}
