import { createHash } from 'node:crypto';
import { assertPositiveInteger } from './optionChecks.js';

/** Keys longer than this (in UTF-16 code units) are replaced by {@link boundedKey}. */
export const DEFAULT_MAX_KEY_LENGTH = 256;
/** Characters of a long key kept readable in front of its hash (for metrics and `usage()`). */
const KEPT_PREFIX = 64;
/** The smallest `maxKeyLength`: a bounded key (64 + `…#` + 43) is never longer than the bound. */
const MIN_MAX_KEY_LENGTH = 128;

/**
 * A client-controlled key of bounded size: its first 64 characters, `…#`, and the SHA-256 of the
 * whole key (base64url, 43 characters). Two long keys share a bucket only if their hashes
 * collide. Keeps the memory of a keyed limiter (in process or in Redis) bounded, whatever keys
 * clients send.
 */
export function boundedKey(key: string): string {
  const digest = createHash('sha256').update(key).digest('base64url');
  return `${key.slice(0, KEPT_PREFIX)}…#${digest}`;
}

/**
 * Checks a `maxKeyLength` option: a whole number of at least 128, so that a bounded key (64
 * characters, a separator and a 43-character hash) is never itself longer than the bound.
 */
export function assertKeyLengthBound(maxKeyLength: unknown): asserts maxKeyLength is number {
  assertPositiveInteger('maxKeyLength', maxKeyLength);
  if (maxKeyLength < MIN_MAX_KEY_LENGTH) {
    throw new RangeError(
      `Expected \`maxKeyLength\` to be >= ${MIN_MAX_KEY_LENGTH} (long keys are kept as a 109-character prefix and hash), got ${maxKeyLength}`,
    );
  }
}
