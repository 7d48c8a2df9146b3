import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { JsonLinesSink } from '../src/JsonLinesSink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { CountRecord, SpanRecord } from '../src/SpanRecord.js';
import type { SpanSink } from '../src/SpanSink.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function profilerWith(options: ConstructorParameters<typeof Profiler>[0]): Profiler {
  const profiler = new Profiler({ flushOnExit: false, maxSpansPerSecond: Infinity, ...options });
  open.push(profiler);
  return profiler;
}

function record(profiler: Profiler, n: number, name = 'work'): void {
  for (let i = 0; i < n; i++) profiler.measure(name, () => i);
}

// A child process running the built package (`pnpm test` builds first).
const fixture = fileURLToPath(new URL('./fixtures/sink-faults.mjs', import.meta.url));
function runFixture(mode: string): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [fixture, mode], { encoding: 'utf8', timeout: 20_000 });
  return { status: child.status, stdout: child.stdout.trim(), stderr: child.stderr };
}

/** A sink whose member `member` is a getter that throws while `failing()` says so. */
function sinkWithThrowingMember(
  member: keyof SpanSink,
  failing: () => boolean,
): { sink: SpanSink; spans: SpanRecord[]; counts: CountRecord[] } {
  const spans: SpanRecord[] = [];
  const counts: CountRecord[] = [];
  const target: SpanSink = {
    write: (batch) => void spans.push(...batch),
    writeCounts: (batch) => void counts.push(...batch),
    flush: () => {},
    flushSync: () => {},
    close: () => {},
  };
  const sink = new Proxy(target, {
    get(t, key) {
      if (key === member && failing()) throw new Error('not ready');
      return t[key as keyof SpanSink];
    },
  });
  return { sink, spans, counts };
}

describe('#9.1 a sink member that is a throwing getter', () => {
  it('does not kill the host when the flush timer meets it (child process)', () => {
    const child = runFixture('throwing-getter');
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe('alive 6'); // every span still handed over
  });

  it('is counted and reported; flush() and close() never reject', async () => {
    for (const member of ['write', 'writeCounts', 'flush', 'close'] as const) {
      const errors: ProfilerError[] = [];
      const { sink } = sinkWithThrowingMember(member, () => true);
      const profiler = profilerWith({ sink, onError: (e) => errors.push(e) });
      record(profiler, 3);
      await expect(profiler.flush()).resolves.toBeUndefined();
      await expect(profiler.close()).resolves.toBeUndefined();
      const stats = profiler.stats();
      // flush() and close() both call sink.flush(): that getter fails twice.
      expect(stats.sinkErrors, member).toBe(member === 'flush' ? 2 : 1);
      expect(errors.map((e) => e.message).join(), member).toContain(`sink ${member}() failed`);
      if (member === 'write') expect(stats.droppedBySink).toBe(3);
      if (member === 'writeCounts') expect(stats.droppedCountRecords).toBe(1);
    }
  });

  it('the flush chain recovers after a getter threw once', async () => {
    let failures = 1;
    const { sink, spans, counts } = sinkWithThrowingMember('writeCounts', () => failures-- > 0);
    const profiler = profilerWith({ sink, onError: () => {} });
    record(profiler, 2);
    await profiler.flush();
    record(profiler, 3);
    await profiler.flush();
    expect(spans).toHaveLength(5);
    expect(counts.reduce((n, c) => n + c.calls, 0)).toBe(3); // the first interval's record was lost
    expect(profiler.stats().droppedCountRecords).toBe(1);
  });
});

describe('#9.2 flush() with a sink that never settles', () => {
  it('settles within sinkTimeoutMs although nothing else holds the loop (child process)', () => {
    const child = runFixture('hanging-flush');
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe('after flush');
  });

  it('reports FLUSH_TIMEOUT and keeps what is still queued', async () => {
    const errors: ProfilerError[] = [];
    const profiler = profilerWith({
      sink: { write: () => new Promise<void>(() => {}) },
      sinkTimeoutMs: 50,
      maxBatchSize: 2,
      onError: (e) => errors.push(e),
    });
    record(profiler, 4);
    await profiler.flush();
    expect(errors.map((e) => e.code)).toEqual(['FLUSH_TIMEOUT']);
    // The first batch is still with the sink; the second stays queued for a later flush.
    expect(profiler.stats()).toMatchObject({ queued: 2, exportedSpans: 0, droppedBySink: 0 });
  });
});

describe('#9.3 exact counts under sustained load', () => {
  it('hands count records over every flushIntervalMs although the span queue never empties', async () => {
    const counts: CountRecord[] = [];
    let writes = 0;
    let profiler: Profiler | undefined;
    const sink: SpanSink = {
      // Slower than the span rate: each write brings two new spans, so the queue never empties.
      write() {
        writes++;
        record(profiler!, 2, 'load');
        return new Promise((resolve) => setTimeout(resolve, 2));
      },
      writeCounts: (batch) => void counts.push(...batch),
    };
    profiler = profilerWith({ sink, maxBatchSize: 2, flushIntervalMs: 20 });
    record(profiler, 2, 'load');
    await vi.waitFor(() => expect(counts.length).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 20,
    });
    expect(profiler.stats().queued).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
    expect(counts[0]!.name).toBe('load');
  });
});

describe('#9.4 spans the sink confirmed stored, and spans lost after the hand-off', () => {
  it('InMemorySink: stored and lost add up to what was handed over', async () => {
    const sink = new InMemorySink({ maxSpans: 3 });
    const profiler = profilerWith({ sink });
    record(profiler, 5);
    await profiler.flush();
    const stats = profiler.stats();
    expect(stats).toMatchObject({
      recordedSpans: 5,
      exportedSpans: 5,
      storedSpans: 3,
      lostSpans: 2,
    });
    expect(sink.stats()).toEqual({ storedSpans: 3, lostSpans: 2, batches: 1 });
  });

  it('is undefined for a sink that reports nothing, and a throwing stats() is contained', () => {
    const errors: ProfilerError[] = [];
    const quiet = profilerWith({ sink: { write() {} } });
    expect(quiet.stats()).toMatchObject({ storedSpans: undefined, lostSpans: undefined });
    const broken = profilerWith({
      sink: {
        write() {},
        stats() {
          throw new Error('no figures');
        },
      },
      onError: (e) => errors.push(e),
    });
    expect(broken.stats().storedSpans).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['SINK_STATS']);
  });

  it('JsonLinesSink counts spans stored only once the file system took them', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ferret-stored-')), 'spans.jsonl');
    const sink = new JsonLinesSink({ destination: path });
    const profiler = profilerWith({ sink });
    record(profiler, 4);
    await profiler.flush();
    expect(profiler.stats()).toMatchObject({ exportedSpans: 4, storedSpans: 4, lostSpans: 0 });
  });
});

describe('#9.7 the synchronous exit path counts every loss', () => {
  it('a write that throws loses its batch only; the rest of the queue and the counts go on', () => {
    const errors: ProfilerError[] = [];
    const sink = new InMemorySink();
    let writes = 0;
    const profiler = profilerWith({
      sink: {
        write(spans) {
          if (writes++ === 0) throw new Error('disk full');
          sink.write(spans);
        },
        writeCounts: (counts) => sink.writeCounts(counts),
        flushSync() {
          throw new Error('sync flush failed');
        },
      },
      maxBatchSize: 2,
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    record(profiler, 5);
    profiler.flushAtExit();
    const stats = profiler.stats();
    expect(stats.droppedBySink).toBe(2);
    expect(stats.exportedSpans).toBe(3);
    expect(sink.spans).toHaveLength(3);
    expect(sink.counts.reduce((n, c) => n + c.calls, 0)).toBe(5);
    expect(stats.sinkErrors).toBe(2); // the write and flushSync
    expect(errors.map((e) => e.code)).toEqual(['SINK_WRITE', 'SINK_FLUSH']);
  });

  it('a throwing writeCounts at exit is counted in droppedCountRecords', () => {
    const profiler = profilerWith({
      sink: {
        write() {},
        writeCounts() {
          throw new Error('no');
        },
      },
      flushIntervalMs: 60_000,
      onError: () => {},
    });
    record(profiler, 2, 'a');
    record(profiler, 2, 'b');
    profiler.flushAtExit();
    expect(profiler.stats()).toMatchObject({ droppedCountRecords: 2, exportedSpans: 4 });
  });
});

describe('#9.8 JsonLinesSink on a bad destination', () => {
  it('a bad descriptor: spans are reported lost, never written', async () => {
    const fd = 999_999; // above any descriptor limit: writes fail with EBADF
    const errors: Error[] = [];
    const sink = new JsonLinesSink({ destination: fd, onError: (e) => errors.push(e) });
    const profiler = profilerWith({ sink });
    record(profiler, 3);
    await profiler.flush();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(sink.stats()).toMatchObject({ storedSpans: 0, lostSpans: 3, errors: 1 });
    expect(profiler.stats()).toMatchObject({ exportedSpans: 3, storedSpans: 0, lostSpans: 3 });
  });

  it('a path under /proc: the constructor returns and reports (child process)', () => {
    const child = runFixture('proc-path');
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toMatch(/^returned \{"storedSpans":0,"lostSpans":1,.*\} errors=1$/);
  });
});
