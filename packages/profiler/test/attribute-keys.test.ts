import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import type { Attributes } from '../src/SpanRecord.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function profilerWithSink(): { profiler: Profiler; sink: InMemorySink } {
  const sink = new InMemorySink();
  const profiler = new Profiler({ sink, flushOnExit: false, maxSpansPerSecond: Infinity });
  open.push(profiler);
  return { profiler, sink };
}

describe('#9.5 an attribute key __proto__ is data', () => {
  it('initial attributes from JSON.parse keep __proto__ as a key, not as the prototype', async () => {
    const { profiler, sink } = profilerWithSink();
    const attributes = JSON.parse('{"__proto__": ["x", "y"], "a": 1}') as Attributes;
    profiler.measure('parsed', () => 0, attributes);
    profiler.measure('string', () => 0, JSON.parse('{"__proto__": "text"}') as Attributes);
    await profiler.flush();
    const [parsed, text] = sink.spans.map((s) => s.attributes);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed!)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual(['x', 'y']);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":["x","y"],"a":1}');
    expect(Object.getOwnPropertyDescriptor(text, '__proto__')?.value).toBe('text');
    expect(profiler.stats().droppedAttributes).toBe(0);
  });

  it('annotate() with a __proto__ key keeps it as data', async () => {
    const { profiler, sink } = profilerWithSink();
    profiler.measure('tagged', (span) => {
      span.annotate({ before: true });
      span.annotate(JSON.parse('{"__proto__": ["p"], "b": 2}') as Attributes);
    });
    await profiler.flush();
    const attributes = sink.spans[0]!.attributes;
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(attributes))).toEqual(
      JSON.parse('{"before": true, "__proto__": ["p"], "b": 2}'),
    );
    expect(Object.keys(attributes)).toEqual(['before', '__proto__', 'b']);
  });
});
