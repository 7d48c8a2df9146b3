import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { JsonLinesSink } from '../src/JsonLinesSink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { SpanSink } from '../src/SpanSink.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function record(profiler: Profiler, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += profiler.measure('work', () => i);
  return sum;
}

describe('sinks that fail never reach the application', () => {
  it('a throwing sink: spans dropped and counted, onError called, the app goes on', async () => {
    const errors: ProfilerError[] = [];
    const sink: SpanSink = {
      write() {
        throw new Error('disk on fire');
      },
      writeCounts() {
        return Promise.reject(new Error('counts on fire'));
      },
    };
    const profiler = new Profiler({ sink, onError: (e) => errors.push(e), flushOnExit: false });
    open.push(profiler);
    expect(record(profiler, 10)).toBe(45);
    await profiler.flush();
    expect(record(profiler, 10)).toBe(45);
    await profiler.close();
    const stats = profiler.stats();
    expect(stats.droppedBySink).toBe(20);
    expect(stats.exportedSpans).toBe(0);
    expect(stats.sinkErrors).toBe(4); // two span writes, two count writes
    expect(stats.droppedCountRecords).toBe(2);
    expect(errors.map((e) => e.code)).toEqual([
      'SINK_WRITE',
      'SINK_COUNTS',
      'SINK_WRITE',
      'SINK_COUNTS',
    ]);
    expect(errors[0]!.cause).toEqual(new Error('disk on fire'));
  });

  it('a never-resolving sink: writes time out, drops are counted, close() still returns', async () => {
    const errors: ProfilerError[] = [];
    let closeCalled = false;
    const sink: SpanSink = {
      write: () => new Promise<void>(() => {}),
      close: () => {
        closeCalled = true;
        return new Promise<void>(() => {});
      },
    };
    const profiler = new Profiler({
      sink,
      sinkTimeoutMs: 30,
      maxQueueSize: 8,
      maxBatchSize: 4,
      onError: (e) => errors.push(e),
      flushOnExit: false,
    });
    open.push(profiler);
    record(profiler, 4);
    // The drain starts on a later tick, so the 20 spans below meet a queue of 8: 4 + 4 fit.
    const flushed = profiler.flush(); // each write then hangs until the timeout
    expect(record(profiler, 20)).toBe(190); // the app keeps running; the queue overflows
    await flushed;
    await profiler.close();
    expect(closeCalled).toBe(true);
    const stats = profiler.stats();
    expect(stats.droppedByQueue).toBe(16);
    expect(stats.sinkTimeouts).toBeGreaterThanOrEqual(2);
    expect(stats.droppedBySink).toBe(8);
    expect(stats.exportedSpans).toBe(0);
    const codes = new Set(errors.map((e) => e.code));
    // flush() gives up after sinkTimeoutMs (two batches take twice that); close() may too.
    for (const code of ['SINK_TIMEOUT', 'QUEUE_FULL', 'FLUSH_TIMEOUT'])
      expect(codes).toContain(code);
    for (const code of codes) {
      expect(['SINK_TIMEOUT', 'QUEUE_FULL', 'FLUSH_TIMEOUT', 'CLOSE_TIMEOUT']).toContain(code);
    }
    expect(errors.some((e) => e.code === 'SINK_TIMEOUT' && /close\(\)/.test(e.message))).toBe(true);
    // Queue overflow is reported once, with the count; later overflows are only counted.
    expect(errors.filter((e) => e.code === 'QUEUE_FULL')).toHaveLength(1);
    expect(errors.find((e) => e.code === 'QUEUE_FULL')!.message).toMatch(/Dropped 16 spans/);
  });

  it('an onError hook that throws is contained', async () => {
    const profiler = new Profiler({
      sink: {
        write() {
          throw new Error('x');
        },
      },
      onError: () => {
        throw new Error('hook');
      },
      flushOnExit: false,
    });
    open.push(profiler);
    record(profiler, 3);
    await expect(profiler.flush()).resolves.toBeUndefined();
    expect(profiler.stats().internalErrors).toBe(1);
  });

  it('flushes a full batch without waiting for the interval, in batches of maxBatchSize', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({
      sink,
      maxBatchSize: 5,
      flushIntervalMs: 60_000,
      flushOnExit: false,
    });
    open.push(profiler);
    record(profiler, 12);
    expect(sink.spans).toHaveLength(0); // nothing on the caller's path
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.spans.length).toBeGreaterThanOrEqual(10);
    await profiler.flush();
    expect(sink.spans).toHaveLength(12);
    expect(sink.stats().batches).toBe(3);
  });

  it('close() drains, closes the sink, and later calls pass through', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ sink, flushOnExit: false });
    record(profiler, 3);
    const span = profiler.start('open-at-close');
    await profiler.close();
    await profiler.close(); // idempotent
    expect(sink.closed).toBe(true);
    expect(sink.spans).toHaveLength(3);
    expect(sink.counts.reduce((t, c) => t + c.calls, 0)).toBe(4);
    expect(profiler.measure('after', (s) => s.isRecording)).toBe(false);
    span.end();
    expect(profiler.stats().droppedAfterClose).toBe(1);
  });
});

describe('exit hooks', () => {
  it('adds one pair of process listeners for all profilers and removes it with the last close()', async () => {
    const before = process.listenerCount('exit');
    const beforeExit = process.listenerCount('beforeExit');
    const a = new Profiler();
    const b = new Profiler();
    expect(process.listenerCount('exit')).toBe(before + 1);
    expect(process.listenerCount('beforeExit')).toBe(beforeExit + 1);
    await a.close();
    expect(process.listenerCount('exit')).toBe(before + 1);
    await b.close();
    expect(process.listenerCount('exit')).toBe(before);
    expect(process.listenerCount('beforeExit')).toBe(beforeExit);
    const off = new Profiler({ flushOnExit: false });
    expect(process.listenerCount('exit')).toBe(before);
    await off.close();
  });
});

describe('InMemorySink', () => {
  it('is bounded by maxSpans', () => {
    const sink = new InMemorySink({ maxSpans: 2 });
    sink.write([{} as never, {} as never, {} as never]);
    expect(sink.spans).toHaveLength(2);
    expect(sink.stats()).toEqual({ storedSpans: 2, lostSpans: 1, batches: 1 });
    expect(() => new InMemorySink({ maxSpans: 0 })).toThrow(RangeError);
  });
});

describe('JsonLinesSink', () => {
  it('writes spans and counts as JSON lines to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-jsonl-'));
    const path = join(dir, 'nested', 'spans.jsonl');
    const sink = new JsonLinesSink({ destination: path });
    const profiler = new Profiler({ sink, flushOnExit: false });
    profiler.measure('outer', () => profiler.measure('inner', () => undefined), { route: '/x' });
    await profiler.close();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.type, l.name])).toEqual([
      ['span', 'inner'],
      ['span', 'outer'],
      ['count', 'outer'],
    ]);
    expect(lines[1].attributes).toEqual({ route: '/x' });
    expect(lines[0].parentSpanId).toBe(lines[1].spanId);
    expect(sink.stats()).toEqual({ storedSpans: 2, lostSpans: 0, lostCounts: 0, errors: 0 });
    expect(profiler.stats()).toMatchObject({ exportedSpans: 2, storedSpans: 2, lostSpans: 0 });
  });

  it('writes to a file descriptor it was given, and leaves it open', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ferret-jsonl-')), 'fd.jsonl');
    const fd = openSync(path, 'w');
    const sink = new JsonLinesSink({ destination: fd });
    sink.write([{ name: 'a' } as never]);
    sink.writeCounts([{ name: 'a', calls: 1 } as never]);
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '{"type":"span","name":"a"}\n{"type":"count","name":"a","calls":1}\n',
    );
    expect(() => closeSync(fd)).not.toThrow(); // still open: ours to close
  });

  it('never throws when the destination cannot be opened; counts the drops', async () => {
    const errors: Error[] = [];
    const sink = new JsonLinesSink({
      destination: '/dev/null/not-a-dir/x.jsonl',
      onError: (e) => errors.push(e),
    });
    expect(() => sink.write([{} as never])).not.toThrow();
    expect(sink.stats()).toMatchObject({ storedSpans: 0, lostSpans: 1, errors: 1 });
    expect(errors).toHaveLength(1);
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it('drops batches beyond maxBufferedBytes instead of growing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-jsonl-'));
    const sink = new JsonLinesSink({ destination: join(dir, 'x.jsonl'), maxBufferedBytes: 64 });
    sink.write([{ name: 'x'.repeat(100) } as never]);
    expect(sink.stats().lostSpans).toBe(1);
    expect(() => new JsonLinesSink({ maxBufferedBytes: -1 })).toThrow(RangeError);
    expect(() => new JsonLinesSink({ destination: {} as never })).toThrow(TypeError);
    return sink.close();
  });
});
