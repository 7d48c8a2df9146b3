import { describe, expect, it } from 'vitest';
import { FerretRun } from '../src/FerretRun.js';
import { StoreSpanProcessor } from '../src/StoreSpanProcessor.js';

describe('timer options are refused beyond what a Node.js timer can wait', () => {
  it('StoreSpanProcessor checks flushIntervalMs and maxQueueSize, naming them', () => {
    const exporter = {} as never;
    expect(() => new StoreSpanProcessor(exporter, { flushIntervalMs: 1e12 })).toThrow(
      /`flushIntervalMs` to be at most 2147483647 ms/,
    );
    expect(() => new StoreSpanProcessor(exporter, { flushIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new StoreSpanProcessor(exporter, { maxQueueSize: 0 })).toThrow(/`maxQueueSize`/);
  });

  it('FerretRun.start checks drainTimeoutMs before touching the database', () => {
    expect(() => FerretRun.start({} as never, 3e9)).toThrow(
      /`drainTimeoutMs` to be at most 2147483647 ms/,
    );
  });
});
