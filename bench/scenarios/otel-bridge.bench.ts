// @ferret/otel-bridge: what exporting costs per span at a steady 10,000 spans/s, beside the
// local SqliteSpanStore. The same Profiler workload runs with no sink (the anchor: recording
// spans and dropping them after the flusher), with SqliteSpanStore writing a file (worker
// thread), and with OtelExporterSink sending OTLP http/protobuf to a receiver in another process
// on 127.0.0.1 (so only the sender's work is measured). Cost = process CPU time (every thread
// of this process) per span above the anchor.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtelExporterSink } from '@ferret/otel-bridge';
import { Profiler, type SpanSink } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { collectGarbage, median, quick, scenario } from '../harness.js';

const SPANS_PER_SECOND = 10_000;
const SECONDS = quick ? 1 : 3;
const ROUNDS = quick ? 1 : 3;
const TICK_MS = 10;
/** Longest the drain before close() may take, ms: the sinks get every span, not a close() cut-off. */
const DRAIN_LIMIT_MS = 30_000;
/** Spans the sinks did not take in time (queue full, or close() gave up): reported, not hidden. */
let lost = 0;

/** A receiver in its own process: reads each request body, answers 200 with an empty body. */
async function startReceiver(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/x-protobuf'});s.end()})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [data] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: `http://127.0.0.1:${Number(String(data).trim())}/v1/traces` };
}

/** Runs the paced workload (100 spans every 10 ms, traces of a root and 3 children) and returns CPU ns per span. */
async function cpuPerSpan(sink: SpanSink | undefined): Promise<{ ns: number; exported: number }> {
  const profiler = new Profiler({
    maxSpansPerSecond: Number.POSITIVE_INFINITY,
    maxQueueSize: 50_000,
    maxBatchSize: 2048,
    sink,
    flushOnExit: false,
    onError: (error) => {
      throw error;
    },
  });
  const perTick = (SPANS_PER_SECOND * TICK_MS) / 1000;
  const ticks = (SECONDS * 1000) / TICK_MS;
  collectGarbage();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    for (let i = 0; i < perTick; i += 4) {
      profiler.measure('request', () => {
        profiler.measure('db.query', () => i, { 'db.rows': i });
        profiler.measure('cache.get', () => i);
        profiler.measure('render', () => i);
      });
    }
    const due = start + (tick + 1) * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  // Drain before closing: close() gives the sink sinkTimeoutMs in total and drops what is left,
  // which would count spans as lost (and their cost as not paid) on a slow sink.
  const drainStart = performance.now();
  await profiler.flush();
  while (profiler.stats().queued > 0 && performance.now() - drainStart < DRAIN_LIMIT_MS) {
    await profiler.flush();
  }
  await profiler.close();
  const cpu = process.cpuUsage(cpuStart);
  const stats = profiler.stats();
  lost += stats.droppedByQueue + stats.droppedBySink;
  return {
    ns: ((cpu.user + cpu.system) * 1000) / stats.recordedSpans,
    exported: stats.exportedSpans,
  };
}

await scenario(
  'otel-bridge: OTLP export per span at 10,000 spans/s, beside SQLite',
  async (report) => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-bench-otel-'));
    const { child, url } = await startReceiver();
    try {
      const none: number[] = [];
      const sqlite: number[] = [];
      const otlp: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        none.push((await cpuPerSpan(undefined)).ns);
        sqlite.push(
          (await cpuPerSpan(new SqliteSpanStore({ path: join(dir, `round-${round}.db`) }))).ns,
        );
        const sink = new OtelExporterSink({ exporter: new OTLPTraceExporter({ url }) });
        const result = await cpuPerSpan(sink);
        otlp.push(result.ns);
      }
      const anchor = report.record(
        'profiler alone (no sink), CPU per recorded span',
        median(none),
        'ns/span',
        {
          anchor: true,
        },
      );
      const store = report.record(
        '+ SqliteSpanStore (file, worker thread)',
        median(sqlite),
        'ns/span',
      );
      const exported = report.record(
        '+ OtelExporterSink, OTLP http/protobuf to 127.0.0.1',
        median(otlp),
        'ns/span',
      );
      report.record('SqliteSpanStore cost above the anchor', store - anchor, 'ns/span');
      report.record('OTLP export cost above the anchor', exported - anchor, 'ns/span');
      report.record(
        'OTLP export cost ÷ SqliteSpanStore cost (each above the anchor)',
        (exported - anchor) / (store - anchor),
        '×',
      );
      report.record('spans not delivered in time (all runs)', lost, 'spans');
      report.absolute(
        'OTLP export CPU at 10,000 spans/s <= 25% of one core (cost × 10,000/s)',
        ((exported - anchor) * SPANS_PER_SECOND) / 1e9,
        '<=',
        0.25,
      );
      report.note(
        `${SECONDS} s at ${SPANS_PER_SECOND.toLocaleString('en-US')} spans/s per run, median of ${ROUNDS} interleaved rounds; CPU is process.cpuUsage() (all threads of the process, so the store's worker counts), the receiver runs in its own process.`,
      );
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
