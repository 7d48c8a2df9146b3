import type { Profiler } from '@ferret/profiler';
import type { LoadGenerator } from './LoadGenerator.js';

/** One second of the run, as printed. */
export interface SecondSample {
  second: number;
  phase: string;
  /** Responses completed during this second. */
  requests: number;
  /** Spans the profiler recorded (admitted and finished) during this second. */
  recorded: number;
  /** Root calls the budget turned away during this second (their children were never created). */
  droppedCalls: number;
  /** How long this "second" really lasted by the monotonic clock (more than 1000 on a busy machine). */
  elapsedMs: number;
}

const BAR_WIDTH = 24;

/**
 * Reads `profiler.stats()` and the load generator's counters after each second of load and
 * prints one row per second: requests completed, spans recorded and calls dropped in that
 * second, with a bar of recorded spans against the budget (the `|` marks the budget).
 */
export class BudgetMonitor {
  readonly samples: SecondSample[] = [];
  readonly #profiler: Profiler;
  readonly #load: LoadGenerator;
  readonly #budget: number;
  #last = { requests: 0, recorded: 0, dropped: 0 };
  #lastAt = 0;

  constructor(profiler: Profiler, load: LoadGenerator, budget: number) {
    this.#profiler = profiler;
    this.#load = load;
    this.#budget = budget;
  }

  /** Prints the table header and takes the starting point of the first second. */
  start(): void {
    console.log(
      ' second  phase    requests/s  recorded spans/s  dropped calls/s  recorded vs budget (|)',
    );
    this.#last = this.#read();
    this.#lastAt = performance.now();
  }

  #read(): { requests: number; recorded: number; dropped: number } {
    const stats = this.#profiler.stats();
    return {
      requests: this.#load.completed,
      recorded: stats.recordedSpans,
      dropped: stats.droppedBySampling,
    };
  }

  /** Closes the current second: prints and keeps its row. */
  sample(phase: string): SecondSample {
    const now = this.#read();
    const at = performance.now();
    const sample: SecondSample = {
      second: this.samples.length + 1,
      phase,
      requests: now.requests - this.#last.requests,
      recorded: now.recorded - this.#last.recorded,
      droppedCalls: now.dropped - this.#last.dropped,
      elapsedMs: at - this.#lastAt,
    };
    this.#last = now;
    this.#lastAt = at;
    this.samples.push(sample);
    const filled = Math.min(
      BAR_WIDTH,
      Math.round((sample.recorded / this.#budget) * (BAR_WIDTH / 2)),
    );
    const bar = `${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}`;
    const budgetMark = `${bar.slice(0, BAR_WIDTH / 2)}|${bar.slice(BAR_WIDTH / 2)}`;
    console.log(
      `${String(sample.second).padStart(7)}  ${sample.phase.padEnd(7)} ${String(sample.requests).padStart(11)} ${String(sample.recorded).padStart(17)} ${String(sample.droppedCalls).padStart(16)}  ${budgetMark}`.trimEnd(),
    );
    return sample;
  }
}
