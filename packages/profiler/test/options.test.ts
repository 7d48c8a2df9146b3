import { afterEach, describe, expect, it, vi } from 'vitest';
import { Profiler } from '../src/Profiler.js';
import { resolveProfilerOptions } from '../src/ProfilerOptions.js';
import { readEnvironmentDefaults } from '../src/readEnvironmentDefaults.js';
import { ManualClock } from './helpers/ManualClock.js';

const open: Profiler[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('options are checked at the boundary', () => {
  it.each([
    [
      { maxSpansPerSecond: Number.NaN },
      RangeError,
      'Expected `maxSpansPerSecond` to be a number, got NaN',
    ],
    [{ maxSpansPerSecond: -1 }, RangeError, 'Expected `maxSpansPerSecond` to be >= 0, got -1'],
    [
      { maxSpansPerSecond: '10' },
      TypeError,
      'Expected `maxSpansPerSecond` to be a number, got string "10"',
    ],
    [{ burst: Number.POSITIVE_INFINITY }, RangeError, 'Expected `burst` to be a finite number'],
    [{ burst: 0.5 }, RangeError, 'Expected `burst` to be >= 1'],
    [
      { maxSpansPerTrace: 1.5 },
      RangeError,
      'Expected `maxSpansPerTrace` to be a whole number, got 1.5',
    ],
    [{ maxQueueSize: 0 }, RangeError, 'Expected `maxQueueSize` to be >= 1, got 0'],
    [
      { maxQueueSize: 10, maxBatchSize: 20 },
      RangeError,
      'Expected `maxBatchSize` to be <= `maxQueueSize` (10)',
    ],
    [{ flushIntervalMs: 0 }, RangeError, 'Expected `flushIntervalMs` to be > 0'],
    [
      { flushIntervalMs: 1e12 },
      RangeError,
      'Expected `flushIntervalMs` to be at most 2147483647 ms',
    ],
    [{ sinkTimeoutMs: 3e9 }, RangeError, 'Expected `sinkTimeoutMs` to be at most 2147483647 ms'],
    [{ windowMs: -5 }, RangeError, 'Expected `windowMs` to be > 0, got -5'],
    [
      { sinkTimeoutMs: Number.POSITIVE_INFINITY },
      RangeError,
      'Expected `sinkTimeoutMs` to be a finite number',
    ],
    [{ sink: {} }, TypeError, 'Expected `sink` to be a SpanSink'],
    [{ runId: '' }, RangeError, 'Expected `runId` to be printable text, got "": it is empty'],
    [{ runId: 7 }, TypeError, 'Expected `runId` to be a string, got number'],
    [
      { runId: 'a\u001bb' },
      RangeError,
      'Expected `runId` to be printable text, got "a\\u001bb": it holds the control character U+001B',
    ],
    [{ runId: 'r'.repeat(257) }, RangeError, 'it is 257 characters long (at most 256)'],
    [
      { maxSpansPerSecnd: 5 },
      TypeError,
      'Unknown option "maxSpansPerSecnd" for Profiler (did you mean `maxSpansPerSecond`?); known options: maxSpansPerSecond, burst,',
    ],
    [{ onError: 'x' }, TypeError, 'Expected `onError` to be a function, got string'],
    [{ clock: 5 }, TypeError, 'Expected `clock` to be a function, got number'],
    [{ enabled: 'yes' }, TypeError, 'Expected `enabled` to be a boolean'],
    [{ bucket: { tryTake() {} } }, TypeError, 'Expected `bucket` to be a RateBucket'],
  ])('%o → %s', (options, type, message) => {
    expect(() => resolveProfilerOptions(options as never, {})).toThrow(type);
    expect(() => resolveProfilerOptions(options as never, {})).toThrow(message);
  });

  it('refuses a non-object', () => {
    expect(() => new Profiler(42 as never)).toThrow(
      'Expected `options` to be an object, got number',
    );
  });

  it('describes its configuration, limits included', () => {
    const profiler = new Profiler({ maxSpansPerSecond: 50, runId: 'r', flushOnExit: false });
    open.push(profiler);
    expect(String(profiler)).toBe(
      'Profiler{enabled=true, maxSpansPerSecond=50, burst=50, maxSpansPerTrace=1000, maxNames=1000, windowMs=1000, maxQueueSize=2048, maxBatchSize=512, flushIntervalMs=1000, sinkTimeoutMs=5000, maxNameLength=1024, maxAttributes=128, maxAttributeKeyLength=256, maxAttributeValueLength=4096, stallThresholdMs=off, bucket=own, runId=r}',
    );
    // Disabled: no watchdog thread is started for the stall threshold.
    const limited = new Profiler({
      enabled: false,
      maxNameLength: 64,
      maxAttributes: 8,
      maxAttributeKeyLength: 32,
      maxAttributeValueLength: 100,
      maxQueueSize: 100,
      stallThresholdMs: 250,
      runId: 'r',
      flushOnExit: false,
    });
    open.push(limited);
    expect(String(limited)).toContain(
      'maxQueueSize=100, maxBatchSize=100, flushIntervalMs=1000, sinkTimeoutMs=5000, maxNameLength=64, maxAttributes=8, maxAttributeKeyLength=32, maxAttributeValueLength=100, stallThresholdMs=250,',
    );
  });
});

describe('environment defaults', () => {
  it('reads FERRET_MAX_SPANS_PER_SECOND and FERRET_ENABLED; options win', () => {
    expect(
      resolveProfilerOptions({}, { FERRET_MAX_SPANS_PER_SECOND: '25' }).maxSpansPerSecond,
    ).toBe(25);
    expect(
      resolveProfilerOptions({}, { FERRET_MAX_SPANS_PER_SECOND: 'Infinity' }).maxSpansPerSecond,
    ).toBe(Number.POSITIVE_INFINITY);
    expect(
      resolveProfilerOptions({ maxSpansPerSecond: 5 }, { FERRET_MAX_SPANS_PER_SECOND: '25' })
        .maxSpansPerSecond,
    ).toBe(5);
    expect(resolveProfilerOptions({}, { FERRET_ENABLED: 'off' }).enabled).toBe(false);
    expect(resolveProfilerOptions({}, { FERRET_ENABLED: 'TRUE' }).enabled).toBe(true);
    expect(resolveProfilerOptions({ enabled: true }, { FERRET_ENABLED: '0' }).enabled).toBe(true);
    expect(resolveProfilerOptions({}, {}).maxSpansPerSecond).toBe(1000);
  });

  it('a malformed variable warns once, naming it, and the default applies', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const env = { FERRET_MAX_SPANS_PER_SECOND: '10/s', FERRET_ENABLED: 'maybe' };
    expect(readEnvironmentDefaults(env)).toEqual({});
    expect(readEnvironmentDefaults(env)).toEqual({});
    const resolved = resolveProfilerOptions({}, env);
    expect(resolved.maxSpansPerSecond).toBe(1000);
    expect(resolved.enabled).toBe(true);
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes('FERRET_MAX_SPANS_PER_SECOND'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('FERRET_ENABLED'))).toHaveLength(1);
    expect(readEnvironmentDefaults({ FERRET_MAX_SPANS_PER_SECOND: '-3' })).toEqual({});
  });
});

describe('run-time budget changes', () => {
  it('keep the balance: lowering then raising the budget hands out no fresh burst', () => {
    const clock = new ManualClock();
    const profiler = new Profiler({
      maxSpansPerSecond: 100,
      clock: clock.read,
      flushOnExit: false,
    });
    open.push(profiler);
    let recorded = 0;
    const call = () => profiler.measure('x', (s) => (recorded += s.isRecording ? 1 : 0));
    for (let i = 0; i < 150; i++) call(); // spends the burst of 100
    expect(recorded).toBe(100);
    profiler.setMaxSpansPerSecond(1000, 1000);
    recorded = 0;
    for (let i = 0; i < 100; i++) call(); // same instant: still nothing to take
    expect(recorded).toBe(0);
    clock.advance(10); // 10 ms at the new rate: 10 tokens
    for (let i = 0; i < 100; i++) call();
    expect(recorded).toBe(10);
    expect(profiler.maxSpansPerSecond).toBe(1000);
    profiler.setMaxSpansPerSecond(0);
    clock.advance(1000);
    recorded = 0;
    for (let i = 0; i < 10; i++) call();
    expect(recorded).toBe(0);
    expect(() => profiler.setMaxSpansPerSecond(Number.NaN)).toThrow(RangeError);
  });
});
