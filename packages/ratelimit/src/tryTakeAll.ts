import type { RefundableBucket } from './TokenBucket.js';
import { assertPositiveInteger, describe } from './validate.js';

/** One entry of {@link tryTakeAll}: a bucket and how many tokens to take from it (default 1). */
export type BucketTake = readonly [bucket: RefundableBucket, tokens?: number];

/**
 * Takes from several buckets at once, all or nothing: e.g. one token from a per-client bucket
 * and one from a global bucket, so that a request refused by either charges neither.
 *
 * Every entry is validated before anything is taken. The takes then happen in order; when one is
 * refused, the ones already made are refunded (in reverse order) and the call returns false.
 *
 * **Guarantee.** For {@link TokenBucket}s (one thread) the call is atomic: no other code runs
 * in between, and a take followed by its refund leaves a bucket exactly as before (up to
 * floating-point rounding of the balance). With {@link SharedTokenBucket}s the end state is the
 * same (granted: every bucket charged; refused: none), but not isolated: during the few
 * nanoseconds between a take and its refund another thread can see the lower balance and be
 * refused. The error is therefore on the safe side: a shared budget is never exceeded, it can
 * only under-grant under contention. The same bucket may appear more than once.
 *
 * @throws TypeError/RangeError (before taking anything) on a malformed entry or a token count
 * above a bucket's capacity.
 * @example
 * if (tryTakeAll([[perClient.get(ip), 1], [global, 1]])) handle(req); else reject(req);
 */
export function tryTakeAll(takes: readonly BucketTake[]): boolean {
  if (!Array.isArray(takes)) {
    throw new TypeError(`Expected \`takes\` to be an array, got ${describe(takes)}`);
  }
  const count = takes.length;
  for (let i = 0; i < count; i++) validate(takes[i], i);
  // Indexing rather than destructuring: this runs per request, destructuring goes through the
  // iterator protocol.
  for (let i = 0; i < count; i++) {
    const entry = takes[i]!;
    if (!entry[0].tryTake(entry[1] ?? 1)) {
      for (let j = i - 1; j >= 0; j--) {
        const taken = takes[j]!;
        taken[0].refund(taken[1] ?? 1);
      }
      return false;
    }
  }
  return true;
}

function validate(entry: BucketTake | undefined, i: number): void {
  if (!Array.isArray(entry)) {
    throw new TypeError(
      `Expected \`takes[${i}]\` to be a [bucket, tokens] pair, got ${describe(entry)}`,
    );
  }
  const bucket = entry[0];
  const tokens = entry[1] ?? 1;
  if (
    bucket === null ||
    typeof bucket !== 'object' ||
    typeof bucket.tryTake !== 'function' ||
    typeof bucket.refund !== 'function'
  ) {
    throw new TypeError(
      `Expected \`takes[${i}][0]\` to be a bucket with tryTake() and refund(), got ${describe(bucket)}`,
    );
  }
  if (tokens !== 1) assertPositiveInteger(`takes[${i}][1]`, tokens);
  if (tokens > bucket.capacity) {
    throw new RangeError(
      `Expected \`takes[${i}][1]\` to be <= the bucket's capacity (${bucket.capacity}), got ${tokens}`,
    );
  }
}
