import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';
import type { ProfilerOptions } from '../src/ProfilerOptions.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function profilerWithSink(options: ProfilerOptions = {}): {
  profiler: Profiler;
  sink: InMemorySink;
  errors: ProfilerError[];
} {
  const sink = new InMemorySink();
  const errors: ProfilerError[] = [];
  const profiler = new Profiler({
    sink,
    flushOnExit: false,
    maxSpansPerSecond: Number.POSITIVE_INFINITY,
    onError: (error) => errors.push(error),
    ...options,
  });
  open.push(profiler);
  return { profiler, sink, errors };
}

const MB = 1024 * 1024;

describe('span names, attribute keys and values have size limits', () => {
  it('cuts a 1 MB root name to maxNameLength (1024) in records, counts and stats', async () => {
    const { profiler, sink, errors } = profilerWithSink();
    const long = `${'n'.repeat(MB)}`;
    profiler.measure(long, () => profiler.measure(`${'c'.repeat(MB)}`, () => 0));
    // Another string with the same first 1023 characters counts under the same cut name.
    profiler.measure(`${'n'.repeat(MB - 1)}x`, () => 0);
    await profiler.flush();
    const names = sink.spans.map((s) => s.name);
    expect(names.map((n) => n.length)).toEqual([1024, 1024, 1024]);
    expect(names[0]).toBe(`${'c'.repeat(1023)}…`);
    expect(names[1]).toBe(`${'n'.repeat(1023)}…`);
    expect(sink.counts.map((c) => [c.name, c.calls])).toEqual([[`${'n'.repeat(1023)}…`, 2]]);
    const stats = profiler.stats();
    expect(stats.names.map((n) => n.name.length)).toEqual([1024]);
    expect(stats.truncatedNames).toBe(3);
    expect(stats.truncatedAttributes).toBe(0);
    expect(errors.map((e) => e.code)).toEqual(['TRUNCATED']);
    expect(errors[0]!.message).toContain('maxNameLength 1024');
  });

  it('cuts long attribute keys, string values, array items and arrays; reports once', async () => {
    const { profiler, sink, errors } = profilerWithSink();
    const attributes = {
      ['k'.repeat(MB)]: 1,
      value: 'v'.repeat(MB),
      list: Array.from({ length: 5000 }, () => 'ab'),
      strings: ['s'.repeat(5000), 'short'],
      fine: 'x'.repeat(4096),
    };
    profiler.measure('a', () => 0, attributes);
    profiler.measure('b', (span) => {
      span.annotate({ again: 'w'.repeat(5000) });
    });
    await profiler.flush();
    const [a, b] = sink.spans.map((s) => s.attributes);
    expect(Object.keys(a!).map((k) => k.length)).toEqual([256, 5, 4, 7, 4]);
    expect(a![`${'k'.repeat(255)}…`]).toBe(1);
    expect(a!.value).toBe(`${'v'.repeat(4095)}…`);
    expect((a!.list as string[]).length).toBe(4096);
    expect(a!.strings).toEqual([`${'s'.repeat(4095)}…`, 'short']);
    expect(a!.fine).toBe(attributes.fine);
    expect(b!.again).toHaveLength(4096);
    expect(profiler.stats().truncatedAttributes).toBe(5);
    expect(profiler.stats().droppedAttributes).toBe(0);
    expect(errors.map((e) => e.code)).toEqual(['TRUNCATED']);
  });

  it('never splits a surrogate pair, and honours its options', async () => {
    const { profiler, sink } = profilerWithSink({
      maxNameLength: 4,
      maxAttributes: 2,
      maxAttributeKeyLength: 3,
      maxAttributeValueLength: 3,
    });
    profiler.measure('ab😀cd', () => 0, { abcd: 'xy😀', b: [1, 2, 3, 4], c: 'dropped' });
    await profiler.flush();
    const [span] = sink.spans;
    expect(span!.name).toBe('ab…');
    expect(span!.attributes).toEqual({ 'ab…': 'xy…', b: [1, 2, 3] });
    expect(profiler.stats().droppedAttributes).toBe(1);
  });

  it('refuses limits that are not whole numbers >= 1, naming them', () => {
    for (const option of [
      'maxNameLength',
      'maxAttributes',
      'maxAttributeKeyLength',
      'maxAttributeValueLength',
    ]) {
      expect(() => new Profiler({ [option]: 0 })).toThrow(`Expected \`${option}\` to be >= 1`);
      expect(() => new Profiler({ [option]: 1.5 })).toThrow(RangeError);
    }
  });
});
