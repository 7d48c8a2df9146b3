/**
 * The benchmark harness. A scenario file (`scenarios/<name>.bench.ts`) calls {@link scenario}
 * once; the runner (`run.ts`) starts every scenario in its own `node --expose-gc` process so
 * that JIT state and heap from one cannot colour another, and collects the JSON each prints.
 *
 * Timings are medians of batched samples: a 50 ns operation cannot be timed one call at a time
 * (a clock read costs about as much), so each sample runs the function `batch` times between
 * two `process.hrtime.bigint()` reads. Cases that are compared are measured in interleaved
 * rounds (A, B, C, A, B, C, ...) so that drift of the machine hits every case alike.
 */
import { performance } from 'node:perf_hooks';

/** A measured figure; `anchor` marks a reference implementation measured in the same run. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  anchor: boolean;
}

/** A goal stated as a ratio of our figure to an anchor's (or an absolute figure to a limit). */
export interface Goal {
  description: string;
  /** The measured ratio (or absolute value). */
  actual: number;
  /** `<=` (lower is better) or `>=` (higher is better). */
  comparator: '<=' | '>=';
  limit: number;
  pass: boolean;
}

export interface ScenarioResult {
  title: string;
  measurements: Measurement[];
  goals: Goal[];
  notes: string[];
}

/** True when the runner asked for a short smoke run (`pnpm bench --quick`). */
export const quick = process.env.FERRET_BENCH_QUICK === '1';

export interface TimingOptions {
  /** Calls per sample. Default: chosen so that a sample lasts about 2 ms. */
  batch?: number;
  /** Samples per case. Default 41 (9 with --quick). */
  samples?: number;
  /**
   * Empty the young generation (a scavenge, outside the timed region) before every sample, so
   * that a scavenge of one case's garbage does not land at random in another case's sample. For
   * allocation-heavy cases; needs `--expose-gc` (the runner passes it). Default false.
   * Only a scavenge: a full collection between samples clears optimized code that embeds objects
   * the collection frees ("weak objects" deoptimisations), so every sample would time the code
   * while V8 optimizes it again (3-5× slower, and by a different amount for each case).
   */
  gcBetweenSamples?: boolean;
}

/** The recording side of a scenario. */
export class Report {
  readonly measurements: Measurement[] = [];
  readonly goals: Goal[] = [];
  readonly notes: string[] = [];

  constructor(readonly title: string) {}

  /** Records a figure measured elsewhere (throughput, bytes, ms). */
  record(name: string, value: number, unit: string, { anchor = false } = {}): number {
    this.measurements.push({ name, value, unit, anchor });
    return value;
  }

  /**
   * Times synchronous cases in interleaved rounds and records each as ns/op.
   * Names starting with `anchor:` are recorded as anchors (the prefix is dropped).
   * @returns ns/op per case name (with the prefix dropped).
   */
  timeSync(
    cases: Record<string, () => unknown>,
    options: TimingOptions = {},
  ): Record<string, number> {
    const entries = Object.entries(cases);
    // Warm-up first, in interleaved rounds: a batch size calibrated on cold code is tiny (tens of
    // calls for a 1 µs case), and samples would then time the interpreter and the optimizer.
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      for (const [, fn] of entries) runFor(fn, WARM_UP_MS_PER_ROUND);
    }
    const batches = entries.map(([, fn]) => options.batch ?? calibrate(fn));
    const samples = options.samples ?? (quick ? 9 : 41);
    const perCase: number[][] = entries.map(() => []);
    for (let s = 0; s < samples; s++) {
      for (let i = 0; i < entries.length; i++) {
        const fn = entries[i]![1];
        const batch = batches[i]!;
        if (options.gcBetweenSamples) collectYoungGarbage();
        const start = process.hrtime.bigint();
        for (let j = 0; j < batch; j++) fn();
        const ns = Number(process.hrtime.bigint() - start);
        perCase[i]!.push(ns / batch);
      }
    }
    return this.#recordMedians(
      entries.map(([name]) => name),
      perCase,
      'ns/op',
    );
  }

  /** Like {@link timeSync} for functions returning promises (each call awaited in turn). */
  async timeAsync(
    cases: Record<string, () => Promise<unknown>>,
    options: TimingOptions = {},
  ): Promise<Record<string, number>> {
    const entries = Object.entries(cases);
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      for (const [, fn] of entries) await runForAsync(fn, WARM_UP_MS_PER_ROUND);
    }
    const batches: number[] = [];
    for (const [, fn] of entries) batches.push(options.batch ?? (await calibrateAsync(fn)));
    const samples = options.samples ?? (quick ? 9 : 41);
    const perCase: number[][] = entries.map(() => []);
    for (let s = 0; s < samples; s++) {
      for (let i = 0; i < entries.length; i++) {
        const fn = entries[i]![1];
        const batch = batches[i]!;
        const start = process.hrtime.bigint();
        for (let j = 0; j < batch; j++) await fn();
        perCase[i]!.push(Number(process.hrtime.bigint() - start) / batch);
      }
    }
    return this.#recordMedians(
      entries.map(([name]) => name),
      perCase,
      'ns/op',
    );
  }

  /** States a goal `ours / anchor <= limit` (or `>=`), recording the ratio. */
  ratio(
    description: string,
    ours: number,
    anchor: number,
    comparator: '<=' | '>=',
    limit: number,
  ): boolean {
    return this.absolute(description, ours / anchor, comparator, limit);
  }

  /** States a goal on an absolute figure, e.g. `spans/s >= 100000`. */
  absolute(description: string, actual: number, comparator: '<=' | '>=', limit: number): boolean {
    const pass = comparator === '<=' ? actual <= limit : actual >= limit;
    this.goals.push({ description, actual, comparator, limit, pass });
    return pass;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  #recordMedians(names: string[], perCase: number[][], unit: string): Record<string, number> {
    const out: Record<string, number> = {};
    names.forEach((rawName, i) => {
      const anchor = rawName.startsWith('anchor:');
      const name = anchor ? rawName.slice('anchor:'.length) : rawName;
      out[name] = this.record(name, median(perCase[i]!), unit, { anchor });
    });
    return out;
  }
}

/** Runs a scenario and prints its result: JSON for the runner, a table when run by hand. */
export async function scenario(
  title: string,
  body: (report: Report) => Promise<void> | void,
): Promise<void> {
  const report = new Report(title);
  await body(report);
  const result: ScenarioResult = {
    title,
    measurements: report.measurements,
    goals: report.goals,
    notes: report.notes,
  };
  if (process.env.FERRET_BENCH_JSON === '1') {
    process.stdout.write(`\n@@FERRET_BENCH@@${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${formatScenario(result)}\n`);
  }
}

/** Forces a full collection when the process runs with `--expose-gc`; returns false otherwise. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

/**
 * Scavenges the young generation when the process runs with `--expose-gc`: what a case allocated
 * is freed without a full collection (which would deoptimize the hot code). Returns false
 * without `--expose-gc`.
 */
export function collectYoungGarbage(): boolean {
  const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  if (!gc) return false;
  gc({ type: 'minor' });
  return true;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Markdown for one scenario: measurements, then goals with PASS/MISS. */
export function formatScenario(result: ScenarioResult): string {
  const lines = [`### ${result.title}`, '', '| measurement | value | |', '| --- | ---: | --- |'];
  for (const m of result.measurements) {
    lines.push(
      `| ${m.name} | ${formatNumber(m.value)} ${m.unit} | ${m.anchor ? 'anchor' : 'ours'} |`,
    );
  }
  if (result.goals.length > 0) {
    lines.push('', '| goal | measured | limit | result |', '| --- | ---: | ---: | --- |');
    for (const g of result.goals) {
      lines.push(
        `| ${g.description} | ${formatNumber(g.actual)} | ${g.comparator} ${formatNumber(g.limit)} | ${g.pass ? 'PASS' : 'MISS'} |`,
      );
    }
  }
  for (const n of result.notes) lines.push('', `> ${n}`);
  return lines.join('\n');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(abs >= 1 ? 2 : 3);
}

/** Interleaved warm-up rounds before a timing, and how long each case runs in each. */
const WARM_UP_ROUNDS = 4;
const WARM_UP_MS_PER_ROUND = quick ? 5 : 15;

function runFor(fn: () => unknown, ms: number): void {
  const end = performance.now() + ms;
  do {
    for (let j = 0; j < 64; j++) fn();
  } while (performance.now() < end);
}

async function runForAsync(fn: () => Promise<unknown>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  do {
    for (let j = 0; j < 16; j++) await fn();
  } while (performance.now() < end);
}

function calibrate(fn: () => unknown): number {
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let j = 0; j < batch; j++) fn();
    const ms = performance.now() - start;
    if (ms >= 2 || batch >= 1 << 24)
      return Math.max(1, Math.round((batch * 2) / Math.max(ms, 1e-3)));
    batch *= 2;
  }
}

async function calibrateAsync(fn: () => Promise<unknown>): Promise<number> {
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let j = 0; j < batch; j++) await fn();
    const ms = performance.now() - start;
    if (ms >= 2 || batch >= 1 << 22)
      return Math.max(1, Math.round((batch * 2) / Math.max(ms, 1e-3)));
    batch *= 2;
  }
}
