import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../src/SpanRecord.js';

// Workers need plain JS: the fixture imports the built package (`pnpm test` builds first).
const entry = fileURLToPath(new URL('./fixtures/worker-profiler.mjs', import.meta.url));

function runWorker(
  index: number,
): Promise<{ workerThreadId: number; threadId: number; spans: SpanRecord[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: { index, runId: 'workers-run' } });
    worker.once('message', (message: { threadId: number; spans: SpanRecord[] }) =>
      resolve({ workerThreadId: worker.threadId, ...message }),
    );
    worker.once('error', reject);
  });
}

describe('worker threads', () => {
  it('a profiler in each worker records its own threadId', async () => {
    const results = await Promise.all([1, 2, 3].map(runWorker));
    const threadIds = new Set<number>();
    for (const { workerThreadId, threadId, spans } of results) {
      expect(threadId).toBe(workerThreadId);
      expect(threadId).toBeGreaterThan(0);
      expect(spans).toHaveLength(2);
      for (const span of spans) {
        expect(span.threadId).toBe(workerThreadId);
        expect(span.runId).toBe('workers-run');
        expect(span.pid).toBe(process.pid);
      }
      threadIds.add(threadId);
    }
    expect(threadIds.size).toBe(3);
  });
});
