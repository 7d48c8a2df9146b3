// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used.
import { Profiler } from '@ferret/profiler';
import { describe, expect, it } from 'vitest';
import { ProfilerSampler, StoreSpanProcessor } from '../src/index.js';

describe("ferret run's classes refuse a misspelt option", () => {
  it('ProfilerSampler', () => {
    const profiler = new Profiler({ enabled: false });
    expect(() => new ProfilerSampler(profiler, { runID: 'r' } as never)).toThrow(
      new TypeError(
        'Unknown option "runID" for ProfilerSampler (did you mean `runId`?); known options: runId',
      ),
    );
  });

  it('StoreSpanProcessor', () => {
    expect(() => new StoreSpanProcessor({} as never, { maxQueue: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "maxQueue" for StoreSpanProcessor (did you mean `maxQueueSize`?); known options: maxQueueSize, flushIntervalMs, runId',
      ),
    );
  });
});
