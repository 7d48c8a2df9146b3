import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SharedTokenBucket } from '@ferret/ratelimit';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { RateLimitingSampler } from '../src/RateLimitingSampler.js';

describe('one budget across worker threads (SharedTokenBucket)', () => {
  it('samplers in three threads together sample exactly the shared capacity', async () => {
    // rate 0: a fixed budget of 30 tokens, so the total is exact whatever the timing
    const bucket = new SharedTokenBucket({ ratePerSecond: 0, capacity: 30 });
    const workers = [1, 2].map(
      () =>
        new Worker(new URL('./fixtures/sharedBucketWorker.mjs', import.meta.url), {
          workerData: { buffer: bucket.buffer, roots: 200 },
        }),
    );
    const main = new RateLimitingSampler({ bucket });
    let sampledHere = 0;
    for (let i = 0; i < 200; i++) {
      const result = main.shouldSample(
        ROOT_CONTEXT,
        '0af7651916cd43dd8448eb211c80319c',
        'job',
        SpanKind.INTERNAL,
        {},
        [],
      );
      if (result.decision === SamplingDecision.RECORD_AND_SAMPLED) sampledHere++;
    }
    const replies = await Promise.all(
      workers.map(async (worker) => {
        const [reply] = (await once(worker, 'message')) as [
          { sampled: number; description: string },
        ];
        await worker.terminate();
        return reply;
      }),
    );
    for (const reply of replies) {
      expect(reply.description).toBe('RateLimitingSampler{maxTracesPerSecond=0, burst=30, shared}');
    }
    expect(sampledHere + replies[0]!.sampled + replies[1]!.sampled).toBe(30);
    expect(bucket.available()).toBeLessThan(1);
  });
});
