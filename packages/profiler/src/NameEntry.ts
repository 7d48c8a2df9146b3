import { type Clock, TokenBucket } from '@ferret/ratelimit';

/**
 * {@link NameEntry.blockedUntil} of a name nothing holds back: below every clock reading. An
 * injected clock is any monotonic number source, so its readings may be negative (or start
 * anywhere); a bound of 0 would refuse every call until the clock passed zero.
 * @internal
 */
export const NOT_BLOCKED = Number.NEGATIVE_INFINITY;

/**
 * Everything the profiler keeps about one root span name: exact cumulative counts, the
 * snapshots that turn them into per-interval counts and per-window weights, and the name's
 * fair-share bucket. Counts only grow; intervals and windows are differences of snapshots, so
 * the hot path does one or two increments and nothing else.
 * @internal
 */
export class NameEntry {
  readonly name: string;
  /**
   * Root calls decided under this name (recorded + dropped), since the entry was created: what
   * its weight and fair share follow.
   */
  calls = 0;
  /** Root calls decided under this name that were recorded. */
  recorded = 0;
  /**
   * Of the calls decided here, those counted under another name (deferred, see
   * `Profiler.deferExternalRootCount`), and of those the recorded ones.
   */
  movedOut = 0;
  movedOutRecorded = 0;
  /** Root calls counted under this name that were decided under another (`countExternalRoot`). */
  movedIn = 0;
  movedInRecorded = 0;
  /** The name's fair share of the global budget (rate and capacity set by the table). */
  readonly share: TokenBucket;
  /** Table epoch this entry's share and window snapshots were computed for. */
  epoch = -1;
  /** Window the snapshots below belong to. */
  windowIndex = -1;
  callsAtWindowStart = 0;
  recordedAtWindowStart = 0;
  callsAtPreviousWindowStart = 0;
  recordedAtPreviousWindowStart = 0;
  /** Monotonic ms before which a root of this name cannot be admitted (see Profiler). */
  blockedUntil = NOT_BLOCKED;
  /** Counts already written as CountRecords (of {@link countedCalls} / {@link countedRecorded}). */
  callsReported = 0;
  recordedReported = 0;
  /** `calls + movedIn` at the last collection: an entry neither decided nor counted since is idle. */
  activityReported = 0;

  constructor(name: string, clock: Clock) {
    this.name = name;
    this.share = new TokenBucket({ ratePerSecond: 1, capacity: 1, clock });
  }

  /** Root calls counted under this name (what its count records and stats say). */
  get countedCalls(): number {
    return this.calls + this.movedIn - this.movedOut;
  }

  /** Of {@link countedCalls}, the recorded ones. */
  get countedRecorded(): number {
    return this.recorded + this.movedInRecorded - this.movedOutRecorded;
  }

  /**
   * Sampling weight over the recent window (the current one and the one before):
   * calls ÷ recorded, at least 1. Called right after a recorded call was counted.
   */
  weight(): number {
    const recorded = this.recorded - this.recordedAtPreviousWindowStart;
    const calls = this.calls - this.callsAtPreviousWindowStart;
    return recorded > 0 && calls > recorded ? calls / recorded : 1;
  }

  /** `NameEntry{name=..., calls=..., recorded=...}`. */
  toString(): string {
    return `NameEntry{name=${this.name}, calls=${this.calls}, recorded=${this.recorded}, movedOut=${this.movedOut}, movedIn=${this.movedIn}}`;
  }
}
