// A real profiled run for end-to-end tests: a real Profiler with a spans-per-second budget
// writing through a real SqliteSpanStore into a file, driven by concurrent async "requests".
import { setTimeout as sleep } from 'node:timers/promises';
import { Profiler } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';

/** Names a hostile program could produce: markup, a script end tag, control characters. */
export const HOSTILE_NAME = '</script><img src=x onerror=alert(1)>\u001b[2J\u0007';

export interface ProfiledRunOptions {
  runId: string;
  /** Requests made, in waves of `concurrency`. */
  requests: number;
  concurrency?: number;
  /** The profiler's budget; lower than the traffic to make it drop. */
  maxSpansPerSecond?: number;
}

/** Busy-waits `ms` of the event loop: self time that is really spent in the span. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Burn CPU.
  }
}

/**
 * Writes one run: `GET /orders` (two overlapping `db.query` and a `render`), `GET /users/:id`
 * (one `db.query`) and a rare request named {@link HOSTILE_NAME}; every 7th order fails.
 */
export async function writeProfiledRun(path: string, options: ProfiledRunOptions): Promise<void> {
  const profiler = new Profiler({
    maxSpansPerSecond: options.maxSpansPerSecond ?? 10_000,
    sink: new SqliteSpanStore({ path }),
    runId: options.runId,
    flushIntervalMs: 100,
  });
  const concurrency = options.concurrency ?? 10;
  const request = async (i: number): Promise<void> => {
    if (i % 25 === 24) {
      await profiler.measure(HOSTILE_NAME, () => spin(0.2));
      return;
    }
    if (i % 3 === 0) {
      await profiler.measure('GET /users/:id', async () => {
        await profiler.measure('db.query', () => sleep(1));
      });
      return;
    }
    await profiler
      .measure('GET /orders', async () => {
        await Promise.all([
          profiler.measure('db.query', () => sleep(4)),
          profiler.measure('db.query', () => sleep(6)),
        ]);
        profiler.measure('render', () => spin(0.5));
        if (i % 7 === 0) throw new Error('order failed');
      })
      .catch(() => {});
  };
  for (let i = 0; i < options.requests; i += concurrency) {
    const wave: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + concurrency, options.requests); j++) wave.push(request(j));
    await Promise.all(wave);
  }
  await profiler.close();
}
