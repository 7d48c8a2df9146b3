// @ferret/store-sqlite: sustained ingest through SqliteSpanStore (worker thread) against a bare
// better-sqlite3 loop writing the same rows into the same schema and indexes, and the cost of
// summary() over a large run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpanRecord } from '@ferret/profiler';
import { openSpanReader, SqliteSpanStore } from '@ferret/store-sqlite';
import Database from 'better-sqlite3';
import { collectGarbage, median, quick, scenario } from '../harness.js';

const INGEST_SPANS = quick ? 60_000 : 300_000;
const INGEST_ROUNDS = quick ? 1 : 3;
const BATCH = 512; // a profiler flush
const SUMMARY_SPANS = quick ? 200_000 : 1_000_000;
const NAMES = 40;
/** Spans written before the clock starts, so both sides are measured with warm JIT and caches. */
const WARM_UP = 10 * BATCH;
/** The low-rate case: the profiler's default budget, spans/s, handed over in two batches a second. */
const LOW_RATE = 1000;
const LOW_RATE_BATCH = LOW_RATE / 2;
const LOW_RATE_SECONDS = quick ? 3 : 6;
const LOW_RATE_ROUNDS = quick ? 1 : 3;

const dir = mkdtempSync(join(tmpdir(), 'ferret-bench-store-'));

/** Span-like records: traces of 8 spans, 3 attributes, ids unique per index. */
function makeSpans(count: number, runId: string, offset = 0): SpanRecord[] {
  const spans: SpanRecord[] = new Array(count);
  const start = 1_700_000_000_000;
  for (let j = 0; j < count; j++) {
    const i = j + offset;
    const trace = Math.floor(i / 8);
    const root = i % 8 === 0;
    spans[j] = {
      traceId: trace.toString(16).padStart(32, '0'),
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: root ? undefined : (i - (i % 8)).toString(16).padStart(16, '0'),
      name: `op.${i % NAMES}`,
      startTime: start + i * 0.05,
      duration: ((i * 7919) % 10_000) / 100,
      status: i % 50 === 0 ? 'error' : 'ok',
      attributes: { 'http.route': '/items/:id', 'db.rows': i % 100, cached: i % 3 === 0 },
      runId,
      pid: 4242,
      threadId: 0,
      weight: 1,
    };
  }
  return spans;
}

function fresh(name: string): string {
  const path = join(dir, name);
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  return path;
}

/** CPU time of this process so far (user + system, every thread: host, writer worker, V8's), ms. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * {@link LOW_RATE} spans/s for `seconds`, handed to `store` as a profiler at the default budget
 * hands them over (a batch of {@link LOW_RATE_BATCH} every 500 ms: one when the queue reaches a
 * batch, one at the flush interval; count records every second), then committed. Without a store,
 * the same timers write nothing: the floor to subtract. Returns the process CPU time and spans.
 */
async function lowRateWindow(
  store: SqliteSpanStore | undefined,
  seconds: number,
  spans: SpanRecord[],
): Promise<{ cpuMs: number; wallMs: number; spans: number }> {
  const cpuBefore = processCpuMs();
  const begin = performance.now();
  let written = 0;
  for (let tick = 1; tick <= seconds * 2; tick++) {
    await sleep(begin + tick * 500 - performance.now());
    if (store === undefined) continue;
    store.write(spans.slice(written, written + LOW_RATE_BATCH));
    written += LOW_RATE_BATCH;
    if (tick % 2 === 0) {
      store.writeCounts([
        {
          name: 'op.0',
          runId: 'low-rate',
          calls: 4 * LOW_RATE,
          recorded: LOW_RATE,
          dropped: 3 * LOW_RATE,
          intervalStart: tick * 500 - 1000,
          intervalEnd: tick * 500,
        },
      ]);
    }
  }
  await store?.flush();
  return { cpuMs: processCpuMs() - cpuBefore, wallMs: performance.now() - begin, spans: written };
}

/**
 * The store's CPU time per span at {@link LOW_RATE} spans/s (µs): a warmed-up store's low-rate
 * window minus an idle window of the same length, in interleaved rounds (median).
 */
async function lowRateCpuPerSpan(): Promise<number> {
  const perSpan: number[] = [];
  for (let round = 0; round < LOW_RATE_ROUNDS; round++) {
    const idle = await lowRateWindow(undefined, LOW_RATE_SECONDS, []);
    const store = new SqliteSpanStore({ path: fresh(`low-rate-${round}.db`) });
    for (let i = 0; i < WARM_UP; i += BATCH) store.write(makeSpans(BATCH, 'warm-up', i));
    await store.flush();
    const spans = makeSpans(LOW_RATE * LOW_RATE_SECONDS, 'low-rate');
    const busy = await lowRateWindow(store, LOW_RATE_SECONDS, spans);
    await store.close();
    const storeCpuMs = busy.cpuMs - (idle.cpuMs * busy.wallMs) / idle.wallMs;
    perSpan.push((storeCpuMs * 1000) / busy.spans);
  }
  return median(perSpan);
}

/**
 * SqliteSpanStore into a fresh file, sustained: the clock starts once the worker is up and warm
 * ({@link WARM_UP} spans written and committed) and stops when close() has committed everything.
 * Returns spans/s and the host thread's time in write() per span.
 */
async function ingestThroughStore(
  spans: SpanRecord[],
  path: string,
): Promise<{ rate: number; hostNsPerSpan: number; cpuUsPerSpan: number }> {
  const store = new SqliteSpanStore({ path });
  for (let i = 0; i < WARM_UP; i += BATCH) store.write(makeSpans(BATCH, 'warm-up', i));
  await store.flush();
  const cpuBefore = processCpuMs();
  const begin = performance.now();
  let hostMs = 0;
  for (let i = 0; i < spans.length; i += BATCH) {
    const t = performance.now();
    store.write(spans.slice(i, i + BATCH));
    hostMs += performance.now() - t;
    // A profiler's flusher keeps handing batches over; bound the hand-over queue like it would.
    if (store.stats().pendingSpans > 50_000) await store.flush();
  }
  await store.close();
  const ms = performance.now() - begin;
  const cpuMs = processCpuMs() - cpuBefore;
  if (store.stats().spansWritten !== spans.length + WARM_UP)
    throw new Error(`store wrote ${store.stats().spansWritten}`);
  return {
    rate: (spans.length / ms) * 1000,
    hostNsPerSpan: (hostMs * 1e6) / spans.length,
    cpuUsPerSpan: (cpuMs * 1000) / spans.length,
  };
}

/** The practical ceiling: one connection, same schema and indexes, same batches, same row values. */
async function ingestBare(spans: SpanRecord[], path: string): Promise<number> {
  // The store creates the file (schema, indexes, pragmas); the loop then writes it directly.
  await new SqliteSpanStore({ path, worker: false }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const upsertRun = db.prepare(
    `INSERT INTO runs (run_id, first_start, last_end, span_count) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id) DO UPDATE SET span_count = span_count + excluded.span_count RETURNING run_key`,
  );
  const insert = db.prepare(
    `INSERT INTO spans (run_key, trace_id, span_id, parent_span_id, is_root, name, start_time, duration, status, attributes, events, kind, service_name, weight, truncated_children, pid, thread_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const writeBatch = db.transaction((batch: SpanRecord[]) => {
    const first = batch[0]!;
    const { run_key: runKey } = upsertRun.get(
      first.runId,
      first.startTime,
      first.startTime,
      batch.length,
    ) as {
      run_key: number;
    };
    for (const s of batch) {
      insert.run(
        runKey,
        s.traceId,
        s.spanId,
        s.parentSpanId ?? null,
        s.parentSpanId === undefined ? 1 : 0,
        s.name,
        s.startTime,
        s.duration,
        s.status === 'error' ? 1 : 0,
        JSON.stringify(s.attributes),
        null,
        null,
        null,
        s.weight,
        null,
        s.pid,
        s.threadId,
      );
    }
  });
  for (let i = 0; i < WARM_UP; i += BATCH) writeBatch.immediate(makeSpans(BATCH, 'warm-up', i));
  const begin = performance.now();
  for (let i = 0; i < spans.length; i += BATCH) writeBatch.immediate(spans.slice(i, i + BATCH));
  db.close();
  return (spans.length / (performance.now() - begin)) * 1000;
}

await scenario('store-sqlite: ingest and summary', async (report) => {
  try {
    const spans = makeSpans(INGEST_SPANS, 'ingest');
    const ours: number[] = [];
    const host: number[] = [];
    const bare: number[] = [];
    const cpu: number[] = [];
    // Interleaved rounds so drift of the machine hits both alike.
    for (let round = 0; round < INGEST_ROUNDS; round++) {
      collectGarbage();
      bare.push(await ingestBare(spans, fresh(`bare-${round}.db`)));
      collectGarbage();
      const result = await ingestThroughStore(spans, fresh(`store-${round}.db`));
      ours.push(result.rate);
      host.push(result.hostNsPerSpan);
      cpu.push(result.cpuUsPerSpan);
    }
    const anchorRate = report.record(
      'bare better-sqlite3 batched inserts (same schema, indexes, rows)',
      median(bare),
      'spans/s',
      {
        anchor: true,
      },
    );
    const ourRate = report.record(
      `SqliteSpanStore ingest, ${INGEST_SPANS.toLocaleString('en-US')} spans into a file`,
      median(ours),
      'spans/s',
    );
    report.record(
      'host-thread time in write() per span (worker does the rest)',
      median(host),
      'ns/span',
    );
    const fullIngestCpu = report.record(
      'process CPU time per span at full ingest (every thread)',
      median(cpu),
      'µs/span',
    );
    const lowRateCpu = report.record(
      `store CPU time per span at ${LOW_RATE.toLocaleString('en-US')} spans/s (every thread, idle floor subtracted)`,
      await lowRateCpuPerSpan(),
      'µs/span',
    );
    report.absolute('SqliteSpanStore ingest spans/s >= 100,000', ourRate, '>=', 100_000);
    report.ratio(
      `store CPU per span at ${LOW_RATE.toLocaleString('en-US')} spans/s / at full ingest <= 2`,
      lowRateCpu,
      fullIngestCpu,
      '<=',
      2,
    );
    report.ratio(
      'SqliteSpanStore ingest / bare better-sqlite3 loop >= 0.70',
      ourRate,
      anchorRate,
      '>=',
      0.7,
    );

    // summary() over one large run.
    const path = fresh('summary.db');
    const writer = new SqliteSpanStore({ path, worker: false });
    const chunk = 50_000;
    for (let offset = 0; offset < SUMMARY_SPANS; offset += chunk) {
      writer.write(makeSpans(Math.min(chunk, SUMMARY_SPANS - offset), 'summary', offset));
    }
    await writer.close();
    collectGarbage();
    const times: number[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const begin = performance.now();
      const reader = openSpanReader(path);
      const summary = reader.summary();
      reader.close();
      times.push(performance.now() - begin);
      if (
        summary.length !== NAMES ||
        summary.reduce((n, s) => n + s.recorded, 0) !== SUMMARY_SPANS
      ) {
        throw new Error('summary returned the wrong totals');
      }
    }
    const summaryMs = report.record(
      `summary() over ${SUMMARY_SPANS.toLocaleString('en-US')} spans (${NAMES} names)`,
      median(times),
      'ms',
    );
    // Peak RSS of a fresh process that only opens the file and summarises it (Node's own
    // baseline included): the figure that must not grow with the number of rows.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openSpanReader } from '@ferret/store-sqlite';
         const reader = openSpanReader(${JSON.stringify(path)});
         reader.summary();
         reader.close();
         process.stdout.write(String(process.resourceUsage().maxRSS));`,
      ],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`summary child failed: ${child.stderr}`);
    report.record(
      'peak RSS of a process running summary() (Node baseline included)',
      Number(child.stdout) / 1024,
      'MiB',
    );
    report.absolute(
      `summary() over ${SUMMARY_SPANS.toLocaleString('en-US')} spans, ms <= 3000`,
      summaryMs,
      '<=',
      3000,
    );
    report.note(
      `Low rate: ${LOW_RATE.toLocaleString('en-US')} spans/s for ${LOW_RATE_SECONDS} s into a warmed-up store, as a profiler at the default budget hands them over (${LOW_RATE_BATCH}-span batches every 500 ms, count records every second), median of ${LOW_RATE_ROUNDS} rounds; the process's CPU time (host, writer worker and V8's threads) minus an idle window with the same timers. Full ingest: the same CPU time over the ingest below, per span.`,
    );
    report.note(
      'Ingest: from a started store (worker up, file open) to close() resolved (every batch committed); the anchor is timed from an open connection to its last commit. The anchor writes the same rows (attributes JSON-encoded) into the same schema and indexes in transactions of the same 512-span batches, on one connection, with no thread hand-over.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
