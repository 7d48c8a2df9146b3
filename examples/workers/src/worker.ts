/**
 * One worker thread: its own Profiler, its own SQLite writer, and the budget it shares with every
 * other worker (a `SharedTokenBucket` attached to the buffer the main thread created).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Profiler } from '@ferret/profiler';
import { SharedTokenBucket } from '@ferret/ratelimit';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import type { WorkerJob, WorkerMessage } from './WorkerJob.js';

const job = workerData as WorkerJob;
const profiler = new Profiler({
  bucket: SharedTokenBucket.from(job.budget),
  sink: new SqliteSpanStore({ path: job.dbPath }),
  runId: job.runId,
});

/** A unit of work: parse (CPU) then store (async), each a child span of `job`. */
function runJob(i: number): Promise<number> {
  return profiler.measure('job', async () => {
    const checksum = profiler.measure('parse', () => {
      let h = i;
      for (let k = 0; k < 200; k++) h = (h * 31 + k) | 0;
      return h;
    });
    await profiler.measure('store', () => Promise.resolve(checksum));
    return checksum;
  });
}

const CONCURRENCY = 8;
const epochNow = (): number => performance.timeOrigin + performance.now();
const go = new Promise<void>((resolve) => parentPort?.once('message', () => resolve()));
parentPort?.postMessage({ type: 'ready' } satisfies WorkerMessage);
await go;

let calls = 0;
const startedAt = epochNow();
const deadline = performance.now() + job.durationMs;
async function lane(): Promise<void> {
  while (calls < job.maxCalls && performance.now() < deadline) {
    await runJob(calls++);
    // Let timers (the profiler's flush) run between jobs, as a real service's event loop would.
    if (calls % 64 === 0) await yieldToLoop();
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
const endedAt = epochNow();
await profiler.close();

const stats = profiler.stats();
const report: WorkerMessage = {
  type: 'report',
  threadId,
  startedAt,
  endedAt,
  calls,
  recordedSpans: stats.recordedSpans,
  droppedCalls: stats.droppedBySampling,
};
parentPort?.postMessage(report);
