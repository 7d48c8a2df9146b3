import { createHash } from 'node:crypto';

/** Keys longer than this (in UTF-16 code units) are replaced by {@link boundedKey}. */
export const DEFAULT_MAX_KEY_LENGTH = 256;
/** Characters of a long key kept readable in front of its hash (for metrics and `usage()`). */
const KEPT_PREFIX = 64;

/**
 * A client-controlled key of bounded size: its first 64 characters, `…#`, and the SHA-256 of the
 * whole key (base64url, 43 characters). Two long keys share a bucket only if their hashes
 * collide. Keeps the memory of a keyed limiter bounded by `maxKeys`, whatever keys clients send.
 *
 * Internal: not exported from the package.
 */
export function boundedKey(key: string): string {
  const digest = createHash('sha256').update(key).digest('base64url');
  return `${key.slice(0, KEPT_PREFIX)}…#${digest}`;
}
