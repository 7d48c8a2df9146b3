import type { Clock } from '@ferret/ratelimit';
import { cutText } from './cutText.js';
import { NameEntry, NOT_BLOCKED } from './NameEntry.js';
import type { NameStats } from './ProfilerStats.js';
import type { CountRecord } from './SpanRecord.js';

/** The entry that absorbs root names once the table is full. */
export const OTHER_NAME = '(other)';

/** Options of {@link NameTable}. @internal */
export interface NameTableOptions {
  /** Most distinct root names tracked; further names share the {@link OTHER_NAME} entry. */
  maxNames: number;
  /** Length of the fairness/weight window, ms. */
  windowMs: number;
  /** The profiler's cached clock: entries' share buckets read it instead of the real clock. */
  clock: Clock;
  /** Start of the first window (monotonic ms). */
  now: number;
  /** Longest name kept; a longer root name is counted under its cut form ({@link cutText}). */
  maxNameLength: number;
}

/**
 * The bounded table of root span names. It counts every root call exactly, hands each name a
 * fair share of the global budget (`rate ÷ names active in the last two windows`), and turns the
 * counts into {@link CountRecord}s. Names idle for a whole count interval are evicted when the
 * counts are collected; while the table is full, new names go to the {@link OTHER_NAME} entry.
 *
 * Work is lazy: a window change bumps `epoch`, and each entry brings its share and weight
 * snapshots up to date the next time it is used, so no call ever walks the table.
 * @internal
 */
export class NameTable {
  readonly #entries = new Map<string, NameEntry>();
  readonly #maxNames: number;
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #maxNameLength: number;
  #other: NameEntry | undefined;
  /** Bumped on every window change and budget change; entries compare against it. */
  epoch = 0;
  #windowIndex = 0;
  /** End of the current window (monotonic ms): callers compare before calling {@link advance}. */
  windowEnd: number;
  #activeCurrent = 0;
  #activePrevious = 0;
  #rate = 0;
  #burst = 1;
  /** Calls that went to the overflow entry because the table was full. */
  overflowCalls = 0;
  /** Totals of evicted entries, so that global totals stay exact. */
  evictedCalls = 0;
  evictedRecorded = 0;

  constructor(options: NameTableOptions) {
    this.#maxNames = options.maxNames;
    this.#windowMs = options.windowMs;
    this.#clock = options.clock;
    this.#maxNameLength = options.maxNameLength;
    this.windowEnd = options.now + options.windowMs;
  }

  /** Sets the budget the shares are cut from; entries pick it up lazily. */
  setBudget(ratePerSecond: number, burst: number): void {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.epoch++;
  }

  /** Moves the window forward if `now` has passed its end. Cheap when it has not. */
  advance(now: number): void {
    if (now < this.windowEnd) return;
    const elapsed = Math.floor((now - this.windowEnd) / this.#windowMs) + 1;
    this.#activePrevious = elapsed === 1 ? this.#activeCurrent : 0;
    this.#activeCurrent = 0;
    this.#windowIndex += elapsed;
    this.windowEnd += elapsed * this.#windowMs;
    this.epoch++;
  }

  /**
   * The entry counting root calls named `name` (created, or the overflow entry when full). A name
   * longer than `maxNameLength` is counted under its cut form, the name its records carry.
   */
  entryFor(name: string): NameEntry {
    const entry = this.#entries.get(name);
    if (entry !== undefined) return entry;
    if (name.length > this.#maxNameLength) {
      const cut = cutText(name, this.#maxNameLength);
      return this.#entries.get(cut) ?? this.#create(cut);
    }
    return this.#create(name);
  }

  /**
   * Brings an entry's window snapshots and fair share up to date (after `epoch` moved). Called
   * before the call being decided is counted.
   */
  refresh(entry: NameEntry): void {
    const isNew = entry.epoch === -1;
    entry.epoch = this.epoch;
    entry.blockedUntil = NOT_BLOCKED; // shares or budget changed: the old bound may be too late
    if (entry.windowIndex !== this.#windowIndex) {
      if (entry.windowIndex === this.#windowIndex - 1) {
        entry.callsAtPreviousWindowStart = entry.callsAtWindowStart;
        entry.recordedAtPreviousWindowStart = entry.recordedAtWindowStart;
      } else {
        entry.callsAtPreviousWindowStart = entry.calls;
        entry.recordedAtPreviousWindowStart = entry.recorded;
      }
      entry.callsAtWindowStart = entry.calls;
      entry.recordedAtWindowStart = entry.recorded;
      entry.windowIndex = this.#windowIndex;
      this.#activeCurrent++;
    }
    const rate = this.#rate;
    if (rate > 0 && rate < Number.POSITIVE_INFINITY) {
      const active = Math.max(1, this.#activeCurrent, this.#activePrevious);
      const shareRate = rate / active;
      entry.share.setRate(shareRate, Math.max(1, this.#burst / active));
      if (isNew) entry.share.reset(); // a new name starts with its whole share
    }
  }

  /**
   * Takes one root call of `name` not yet written as a count record (a recorded one when
   * `recorded`) out of its count records, the decision itself staying (weight, share): the call
   * is to be counted under another name ({@link moveIn}). False when there is no such call.
   */
  moveOut(name: string, recorded: boolean): boolean {
    const key = name.length > this.#maxNameLength ? cutText(name, this.#maxNameLength) : name;
    const entry = this.#entries.get(key) ?? this.#entries.get(OTHER_NAME);
    if (entry === undefined || entry.countedCalls - entry.callsReported < 1) return false;
    if (recorded) {
      if (entry.countedRecorded - entry.recordedReported < 1) return false;
      entry.movedOutRecorded++;
    }
    entry.movedOut++;
    return true;
  }

  /** Counts one root call under `name` (created, or the overflow entry when full) without deciding it. */
  moveIn(name: string, recorded: boolean): void {
    const entry = this.entryFor(name);
    entry.movedIn++;
    if (recorded) entry.movedInRecorded++;
  }

  /** The entry of `name` when it is tracked; never creates one. */
  peek(name: string): NameEntry | undefined {
    return this.#entries.get(name);
  }

  /** Names currently tracked (the overflow entry included). */
  get size(): number {
    return this.#entries.size;
  }

  /** Names active in the current window. */
  get activeNames(): number {
    return Math.max(this.#activeCurrent, this.#activePrevious);
  }

  /** True when some call has not been written as a CountRecord yet. */
  hasUnreportedCounts(): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.countedCalls !== entry.callsReported) return true;
    }
    return false;
  }

  /**
   * One CountRecord per name called since the last collection, then evicts the names that were
   * not called in that interval (their totals move to `evictedCalls`/`evictedRecorded`).
   */
  collectCounts(intervalStart: number, intervalEnd: number, runId: string): CountRecord[] {
    const records: CountRecord[] = [];
    for (const entry of this.#entries.values()) {
      const activity = entry.calls + entry.movedIn;
      if (activity === entry.activityReported) {
        this.#evict(entry);
        continue;
      }
      entry.activityReported = activity;
      const counted = entry.countedCalls;
      const calls = counted - entry.callsReported;
      // Every call decided here was counted under another name (a route): nothing to write.
      if (calls === 0) continue;
      const countedRecorded = entry.countedRecorded;
      const recorded = countedRecorded - entry.recordedReported;
      entry.callsReported = counted;
      entry.recordedReported = countedRecorded;
      records.push({
        name: entry.name,
        calls,
        recorded,
        dropped: calls - recorded,
        intervalStart,
        intervalEnd,
        runId,
      });
    }
    return records;
  }

  /** Totals since construction (evicted names included) and the tracked names' counts. */
  stats(): { calls: number; recordedRoots: number; names: NameStats[] } {
    const names: NameStats[] = [];
    let calls = this.evictedCalls;
    let recordedRoots = this.evictedRecorded;
    for (const entry of this.#entries.values()) {
      const counted = entry.countedCalls;
      const countedRecorded = entry.countedRecorded;
      calls += counted;
      recordedRoots += countedRecorded;
      names.push({
        name: entry.name,
        calls: counted,
        recorded: countedRecorded,
        dropped: counted - countedRecorded,
      });
    }
    return { calls, recordedRoots, names };
  }

  /** `NameTable{maxNames=..., windowMs=..., size=...}`. */
  toString(): string {
    return `NameTable{maxNames=${this.#maxNames}, windowMs=${this.#windowMs}, size=${this.#entries.size}}`;
  }

  #create(name: string): NameEntry {
    if (this.#entries.size >= this.#maxNames) {
      this.overflowCalls++;
      return this.#otherEntry();
    }
    const entry = new NameEntry(name, this.#clock);
    this.#entries.set(name, entry);
    // A newcomer shrinks everyone's share: have every entry recompute it on its next call, so a
    // flooding name gives way now rather than at the next window.
    this.epoch++;
    return entry;
  }

  #otherEntry(): NameEntry {
    const current = this.#entries.get(OTHER_NAME);
    if (current !== undefined && current === this.#other) return current;
    // A root that the application itself named `(other)` already holds the key: the overflow
    // joins it (one row either way) rather than replacing it and losing its counts.
    const other = current ?? new NameEntry(OTHER_NAME, this.#clock);
    this.#other = other;
    // The overflow entry lives outside the limit so that a full table still has it.
    this.#entries.set(OTHER_NAME, other);
    return other;
  }

  #evict(entry: NameEntry): void {
    this.evictedCalls += entry.countedCalls;
    this.evictedRecorded += entry.countedRecorded;
    this.#entries.delete(entry.name);
  }
}
