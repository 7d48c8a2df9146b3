/**
 * One spans-per-second budget shared by several worker threads. The main thread creates a
 * `SharedTokenBucket`; each worker attaches to its buffer and builds its own `Profiler` on it,
 * so all of them together record at most `rate x seconds + burst` spans (plus the children of
 * traces already admitted), however many workers there are and however hard they run.
 *
 *   node --import tsx src/main.ts [--db workers.db] [--workers 4] [--seconds 3]
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { SharedTokenBucket } from '@ferret/ratelimit';
import { openSpanReader } from '@ferret/store-sqlite';
import type { WorkerJob, WorkerMessage, WorkerReport } from './WorkerJob.js';

const RATE = 200; // spans per second, for all workers together
const BURST = 200;
const SPANS_PER_TRACE = 3; // job, parse, store

const values = parseOptions();
const workerCount = positiveInteger('--workers', values.workers);
const seconds = positiveInteger('--seconds', values.seconds);
const dbPath = values.db;
const runId = `workers-${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;

const budget = new SharedTokenBucket({ ratePerSecond: RATE, capacity: BURST });
console.log('Ferret example: one budget shared by worker threads');
console.log(`  budget   ${budget.toString()} (spans, all workers together)`);
console.log(
  `  workers  ${workerCount}, each with its own Profiler, running flat out for ${seconds} s once all are up`,
);
console.log(`  output   ${dbPath} (run ${runId})\n`);

const job: WorkerJob = {
  budget: budget.buffer,
  dbPath,
  runId,
  durationMs: seconds * 1000,
  maxCalls: 2_000_000,
};
const workers = Array.from({ length: workerCount }, () => startWorker(job));
// Start-up (loading modules, opening the database) is not part of the measured window: the
// bucket just sits full meanwhile. Everyone starts together on 'go'.
let reports: WorkerReport[];
try {
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.worker.postMessage('go');
  reports = await Promise.all(workers.map((w) => w.report));
} catch (error) {
  // e.g. --db names a file that is not a Ferret database: one line, not a worker stack trace.
  console.error(`a worker failed: ${(error as Error).message}`);
  for (const w of workers) void w.worker.terminate();
  process.exit(1);
}
const elapsedSeconds =
  (Math.max(...reports.map((r) => r.endedAt)) - Math.min(...reports.map((r) => r.startedAt))) /
  1000;

console.log(' worker  thread        calls  recorded spans  dropped calls');
for (const [i, r] of reports.entries()) {
  console.log(
    `${String(i + 1).padStart(7)} ${String(r.threadId).padStart(7)} ${String(r.calls).padStart(12)} ${String(r.recordedSpans).padStart(15)} ${String(r.droppedCalls).padStart(14)}`,
  );
}
const calls = sum(reports.map((r) => r.calls));
const recorded = sum(reports.map((r) => r.recordedSpans));
// Roots are admitted only while tokens remain; a trace admitted on the last token may still
// record its children (at most SPANS_PER_TRACE - 1 each, one trace in flight per lane).
const bound = Math.ceil(RATE * elapsedSeconds + BURST + workerCount * 8 * (SPANS_PER_TRACE - 1));
console.log(
  `  total          ${String(calls).padStart(12)} ${String(recorded).padStart(15)} ${String(sum(reports.map((r) => r.droppedCalls))).padStart(14)}`,
);
console.log(
  `\nrecorded ${recorded} spans in ${elapsedSeconds.toFixed(1)} s: within the one budget (${RATE}/s x ${elapsedSeconds.toFixed(1)} s + burst ${BURST} + traces in flight = ${bound})`,
);
console.log(
  `separate budgets of ${RATE}/s per worker would have allowed up to ${workerCount * Math.ceil(RATE * elapsedSeconds + BURST)}`,
);

// The file agrees: every worker wrote its own spans, with its own threadId.
const reader = openSpanReader(dbPath);
const byThread = new Map<number, number>();
let stored = 0;
for (const span of reader.spans({ runId })) {
  stored++;
  byThread.set(span.threadId, (byThread.get(span.threadId) ?? 0) + 1);
}
reader.close();
const perThread = [...byThread.entries()]
  .sort(([a], [b]) => a - b)
  .map(([thread, n]) => `thread ${thread}: ${n}`)
  .join(', ');
console.log(`in ${dbPath}: ${stored} spans (${perThread})`);
process.exitCode = recorded <= bound && stored === recorded ? 0 : 1;

interface RunningWorker {
  worker: Worker;
  ready: Promise<void>;
  report: Promise<WorkerReport>;
}

function startWorker(data: WorkerJob): RunningWorker {
  const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
    workerData: data,
  });
  let onReady: () => void = () => {};
  let onReport: (report: WorkerReport) => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    onReport = resolve;
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`worker exited with code ${code} before reporting`)),
    );
  });
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'ready') onReady();
    else onReport(message);
  });
  // A worker that dies before 'ready' must not leave the main thread waiting forever.
  report.catch(() => {});
  return {
    worker,
    ready: Promise.race([ready, report.then(() => undefined)]),
    report,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function parseOptions(): { db: string; workers: string; seconds: string } {
  try {
    const { values } = parseArgs({
      options: {
        db: { type: 'string', default: process.env.FERRET_EXAMPLE_DB ?? 'workers.db' },
        workers: { type: 'string', default: '4' },
        seconds: { type: 'string', default: '3' },
      },
    });
    return values;
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: node --import tsx src/main.ts [--db PATH] [--workers N] [--seconds N]`,
    );
    process.exit(2);
  }
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}
