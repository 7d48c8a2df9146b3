import { randomFillSync } from 'node:crypto';

// 4096 random 32-bit words: one `randomFillSync` (~20 µs) serves ~2000 span ids, so the
// system call costs about 10 ns a span instead of the ~2 µs of `randomBytes(8)` per span.
const POOL_WORDS = 4096;

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

/**
 * Random W3C ids drawn from a pooled buffer of random words. Ids are kept as signed 32-bit
 * integers (small integers in V8, so storing them allocates nothing) and turned into hex only
 * when a record is built, off the caller's path.
 */
export class IdGenerator {
  readonly #pool = new Int32Array(POOL_WORDS);
  #next = POOL_WORDS;

  /** The next random 32-bit word (never called for the all-zero check: see {@link nonZero}). */
  nextWord(): number {
    if (this.#next === POOL_WORDS) {
      randomFillSync(this.#pool);
      this.#next = 0;
    }
    return this.#pool[this.#next++]!;
  }

  /** Describes the generator. */
  toString(): string {
    return `IdGenerator{poolWords=${POOL_WORDS}}`;
  }
}

/** Eight lowercase hex characters of a 32-bit word (signed or unsigned). */
export function wordToHex(word: number): string {
  return (
    HEX_BYTE[(word >>> 24) & 255]! +
    HEX_BYTE[(word >>> 16) & 255]! +
    HEX_BYTE[(word >>> 8) & 255]! +
    HEX_BYTE[word & 255]!
  );
}
