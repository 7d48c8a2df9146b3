import { describe, expectTypeOf, it } from 'vitest';
import type { NoOpSpan } from '../src/NoOpSpan.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerSpan } from '../src/ProfilerSpan.js';
import type { Span } from '../src/Span.js';

const profiler = new Profiler({ flushOnExit: false });

describe('Profiler types', () => {
  it('measure() returns what fn returns, promises included', () => {
    expectTypeOf(profiler.measure('x', () => 42)).toEqualTypeOf<number>();
    expectTypeOf(profiler.measure('x', async () => 'a')).toEqualTypeOf<Promise<string>>();
    profiler.measure('x', (span) => {
      expectTypeOf(span).toEqualTypeOf<Span | NoOpSpan>();
      expectTypeOf(span.annotate({ a: 1, b: ['x'] })).toEqualTypeOf<Span | NoOpSpan>();
    });
  });

  it('wrap() keeps the signature; a name function sees the arguments', () => {
    const load = profiler.wrap(
      (id: number) => `load ${id}`,
      async (id: number) => ({ id }),
    );
    expectTypeOf(load).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(load).returns.toEqualTypeOf<Promise<{ id: number }>>();
    const numericName = (id: number) => id;
    // @ts-expect-error the name function must return a string
    profiler.wrap(numericName, (id: number) => id);
  });

  it('start() returns either span; both are disposable', () => {
    const span = profiler.start('x');
    expectTypeOf(span).toEqualTypeOf<Span | NoOpSpan>();
    expectTypeOf(span[Symbol.dispose]).toBeFunction();
    // @ts-expect-error attributes take only attribute values
    profiler.start('x', { nested: { a: 1 } });
  });

  it('both spans implement ProfilerSpan, so AnySpan has every member', () => {
    const span = profiler.start('x');
    expectTypeOf(span).toMatchTypeOf<ProfilerSpan>();
    expectTypeOf<Span>().toMatchTypeOf<ProfilerSpan>();
    expectTypeOf<NoOpSpan>().toMatchTypeOf<ProfilerSpan>();
    expectTypeOf(span.ended).toEqualTypeOf<boolean>();
    expectTypeOf(span.parentSpanId).toEqualTypeOf<string | undefined>();
  });
});
