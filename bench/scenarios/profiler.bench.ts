// @ferret/profiler: what measure() costs on its three paths, against OpenTelemetry JS
// startActiveSpan() (AsyncLocalStorage context manager) and the floors of one clock read and one
// bare AsyncLocalStorage.run, all measured in this run; what an active AsyncLocalStorage adds to
// every `await`; and the event-loop delay added by recording 10,000 spans/s into SQLite.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Profiler, type SpanSink } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { median, quick, scenario } from '../harness.js';

const noop = () => 0;
const AWAITS = 64; // awaits per timed call in the await measurement
const BLOCK = 256; // measure() calls per timed call on the recorded path (then one macrotask yield)
const yieldMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function awaitLoop(): Promise<void> {
  for (let i = 0; i < AWAITS; i++) await null;
}

/**
 * Runs every case for a while before it is timed: enabling a promise hook or a new shape of
 * span deoptimises code that was optimised before, and the harness's short samples would
 * otherwise catch the re-optimisation.
 */
function warmUp(cases: Record<string, () => unknown>, iterations = quick ? 50_000 : 200_000): void {
  for (const fn of Object.values(cases)) for (let i = 0; i < iterations; i++) fn();
}

async function warmUpAsync(
  fn: () => Promise<unknown>,
  iterations = quick ? 500 : 2000,
): Promise<void> {
  for (let i = 0; i < iterations; i++) await fn();
}

await scenario(
  'profiler: measure() against OpenTelemetry startActiveSpan and the floors',
  async (report) => {
    // 1. The await tax, first, while no AsyncLocalStorage in this process has been enabled yet
    //    (once one is, Node 20 keeps a promise hook on until every storage is disabled).
    const awaitTiming = { samples: quick ? 9 : 41, batch: 500 };
    await warmUpAsync(awaitLoop);
    const off1 = (
      await report.timeAsync(
        { 'anchor:64 awaits, no AsyncLocalStorage active': awaitLoop },
        awaitTiming,
      )
    )['64 awaits, no AsyncLocalStorage active']!;
    const als = new AsyncLocalStorage<number>();
    const on = (
      await als.run(1, async () => {
        await warmUpAsync(awaitLoop);
        return report.timeAsync(
          { '64 awaits, inside AsyncLocalStorage.run': awaitLoop },
          awaitTiming,
        );
      })
    )['64 awaits, inside AsyncLocalStorage.run']!;
    als.disable(); // the last storage disabled: Node removes the promise hook again
    await warmUpAsync(awaitLoop);
    const off2 = (
      await report.timeAsync(
        { 'anchor:64 awaits, AsyncLocalStorage disabled again': awaitLoop },
        awaitTiming,
      )
    )['64 awaits, AsyncLocalStorage disabled again']!;
    const extraPerAwait = (on - (off1 + off2) / 2) / AWAITS;
    report.record(
      'extra cost per await with an AsyncLocalStorage active',
      extraPerAwait,
      'ns/await',
    );
    report.note(
      `Every \`await\` in the host costs about ${extraPerAwait.toFixed(0)} ns more once any AsyncLocalStorage is active on Node ${process.version} ` +
        '(a promise hook copies the store to each new promise). OpenTelemetry’s AsyncLocalStorageContextManager pays the same; ' +
        'the profiler enables its storage on the first measure().',
    );

    // 2. Set-up: OpenTelemetry's standard Node context manager, and tracers.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const discardingExporter: SpanExporter = {
      export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
      shutdown: async () => {},
    };
    const otelOn = new BasicTracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(discardingExporter)],
    }).getTracer('bench');
    const otelOff = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('bench');
    const floorStorage = new AsyncLocalStorage<number>();

    const discardingSink: SpanSink = { write() {} };
    // One token per 1000 s, spent below: the bucket stays empty for the whole run.
    const emptyBudget = new Profiler({
      maxSpansPerSecond: 0.001,
      burst: 1,
      sink: discardingSink,
      flushOnExit: false,
    });
    emptyBudget.measure('spend', noop);
    if (emptyBudget.measure('check', (s) => s.isRecording))
      throw new Error('bucket should be empty');
    // A budget the run never exhausts, still decided by the buckets (not the Infinity shortcut).
    const ample = new Profiler({
      maxSpansPerSecond: 1e9,
      burst: 1e9,
      sink: discardingSink,
      flushOnExit: false,
    });

    // 3. The dropped path against its floors and against OTel AlwaysOff, interleaved.
    const droppedCases = {
      'anchor:performance.now()': () => performance.now(),
      'anchor:AsyncLocalStorage.run(store, noop)': () => floorStorage.run(1, noop),
      'anchor:OTel AlwaysOff startActiveSpan+end': () =>
        otelOff.startActiveSpan('op', (span) => {
          span.end();
          return 0;
        }),
      'measure() dropped root (empty bucket)': () => emptyBudget.measure('op', noop),
    };
    warmUp(droppedCases);
    const dropped = report.timeSync(droppedCases);
    const floor = dropped['performance.now()']! + dropped['AsyncLocalStorage.run(store, noop)']!;
    report.record('floor: performance.now() + AsyncLocalStorage.run', floor, 'ns/op', {
      anchor: true,
    });
    report.ratio(
      'dropped measure() / OTel AlwaysOff startActiveSpan+end',
      dropped['measure() dropped root (empty bucket)']!,
      dropped['OTel AlwaysOff startActiveSpan+end']!,
      '<=',
      0.1,
    );
    report.ratio(
      'dropped measure() / (performance.now() + AsyncLocalStorage.run)',
      dropped['measure() dropped root (empty bucket)']!,
      floor,
      '<=',
      2,
    );

    // The child of a dropped root: no clock, no context switch (reference figure).
    emptyBudget.measure('root', () => {
      const childCases = {
        'measure() child of a dropped root': () => emptyBudget.measure('child', noop),
        'anchor:plain call of the same function': () => noop(),
      };
      warmUp(childCases);
      report.timeSync(childCases);
    });

    // 4. The recorded path, hand-off included: blocks of 256 calls, then one macrotask turn so that
    //    both sides' batch flushes run (ours on setImmediate, OTel's on its export chain).
    const recordedCases: Record<string, () => Promise<void>> = {
      [`anchor:OTel AlwaysOn+BatchSpanProcessor startActiveSpan+end ×${BLOCK}`]: async () => {
        for (let i = 0; i < BLOCK; i++) {
          otelOn.startActiveSpan('op', (span) => {
            span.end();
            return 0;
          });
        }
        await yieldMacrotask();
      },
      [`measure() recorded ×${BLOCK}`]: async () => {
        for (let i = 0; i < BLOCK; i++) ample.measure('op', noop);
        await yieldMacrotask();
      },
      [`anchor:empty loop ×${BLOCK} (yield only)`]: async () => {
        for (let i = 0; i < BLOCK; i++) noop();
        await yieldMacrotask();
      },
    };
    for (const fn of Object.values(recordedCases)) await warmUpAsync(fn, quick ? 200 : 1000);
    const recorded = await report.timeAsync(recordedCases, { samples: quick ? 9 : 61, batch: 20 });
    const yieldCost = recorded[`empty loop ×${BLOCK} (yield only)`]!;
    const oursRecorded = (recorded[`measure() recorded ×${BLOCK}`]! - yieldCost) / BLOCK;
    const otelRecorded =
      (recorded[`OTel AlwaysOn+BatchSpanProcessor startActiveSpan+end ×${BLOCK}`]! - yieldCost) /
      BLOCK;
    report.record('measure() recorded, per span (hand-off included)', oursRecorded, 'ns/op');
    report.record('OTel AlwaysOn startActiveSpan+end, per span', otelRecorded, 'ns/op', {
      anchor: true,
    });
    report.ratio(
      'recorded measure() / OTel AlwaysOn startActiveSpan+end',
      oursRecorded,
      otelRecorded,
      '<=',
      0.25,
    );
    const stats = ample.stats();
    report.note(
      `Recorded path: ${stats.recordedSpans.toLocaleString('en-US')} spans recorded, ${stats.exportedSpans.toLocaleString('en-US')} handed to the sink, ${stats.droppedByQueue} dropped by the queue.`,
    );
    await emptyBudget.close();
    await ample.close();

    // 5. Event-loop delay with the SQLite sink at 10,000 recorded spans/s.
    await eventLoopDelay(report);
  },
);

/** p99 event-loop delay (ms) while `emit(n)` is asked for 10,000 spans/s, catching up each timer tick. */
async function p99DelayWhile(emit: (n: number) => void, seconds: number): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const rate = 10_000;
  const start = performance.now();
  let emitted = 0;
  histogram.enable();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), seconds * rate) - emitted;
      if (due > 0) {
        emit(due);
        emitted += due;
      }
      if (elapsed >= seconds * 1000) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
  });
  histogram.disable();
  return histogram.percentile(99) / 1e6;
}

async function eventLoopDelay(
  report: Parameters<Parameters<typeof scenario>[1]>[0],
): Promise<void> {
  const seconds = quick ? 2 : 3;
  const rounds = quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'ferret-bench-profiler-'));
  try {
    const work = (i: number) => (i * 2654435761) % 1000;
    const store = new SqliteSpanStore({ path: join(dir, 'bench.db') });
    const profiler = new Profiler({
      maxSpansPerSecond: 20_000,
      burst: 20_000,
      sink: store,
      flushOnExit: false,
    });
    const bareRuns: number[] = [];
    const sqliteRuns: number[] = [];
    // Alternating rounds, so that load from elsewhere on the machine hits both sides alike.
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(
        await p99DelayWhile((n) => {
          for (let i = 0; i < n; i++) work(i);
        }, seconds),
      );
      sqliteRuns.push(
        await p99DelayWhile((n) => {
          // Traces of 5 spans: a root and 4 children.
          for (let i = 0; i < n; i += 5) {
            profiler.measure('request', () => {
              for (let k = 1; k < 5; k++) profiler.measure('step', () => work(i + k), { k });
              return work(i);
            });
          }
        }, seconds),
      );
    }
    const stats = profiler.stats();
    await profiler.close();
    const bare = median(bareRuns);
    const withSqlite = median(sqliteRuns);
    report.record('event-loop p99 delay, same load loop without profiler', bare, 'ms', {
      anchor: true,
    });
    report.record('event-loop p99 delay, 10,000 spans/s into SqliteSpanStore', withSqlite, 'ms');
    report.absolute(
      'event-loop p99 delay growth with the SQLite sink at 10,000 spans/s (ms)',
      withSqlite - bare,
      '<=',
      1,
    );
    report.note(
      `SQLite: ${rounds} alternating rounds of ${seconds} s (medians of the p99s); ${stats.recordedSpans.toLocaleString('en-US')} spans recorded, ${stats.exportedSpans.toLocaleString('en-US')} handed to the store, ${stats.droppedByQueue} dropped by the queue, ${stats.sinkErrors} sink errors.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
