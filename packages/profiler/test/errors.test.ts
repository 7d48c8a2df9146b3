import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import { ManualClock } from './helpers/ManualClock.js';

const open: Profiler[] = [];
function make(sink: InMemorySink): Profiler {
  const p = new Profiler({ sink, flushOnExit: false });
  open.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

class ValidationError extends Error {
  override name = 'ValidationError';
}

describe('errors in measured code', () => {
  it('records a sync throw as status error and rethrows the very same object', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const error = new ValidationError('bad input');
    let caught: unknown;
    try {
      profiler.measure('validate', () => {
        throw error;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    await profiler.flush();
    expect(sink.spans[0]).toMatchObject({
      name: 'validate',
      status: 'error',
      attributes: { 'error.type': 'ValidationError', 'error.message': 'bad input' },
    });
  });

  it('records an async rejection and returns the same (rejecting) promise', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const error = new TypeError('nope');
    const promise = Promise.reject(error);
    const returned = profiler.measure('load', () => promise, { id: 7 });
    expect(returned).toBe(promise);
    await expect(returned).rejects.toBe(error);
    const fromAsyncFn = profiler.measure('load2', async () => {
      await Promise.resolve();
      throw error;
    });
    await expect(fromAsyncFn).rejects.toBe(error);
    await profiler.flush();
    expect(sink.spans.map((s) => [s.name, s.status, s.attributes['error.type']])).toEqual([
      ['load', 'error', 'TypeError'],
      ['load2', 'error', 'TypeError'],
    ]);
    expect(sink.spans[0]!.attributes.id).toBe(7);
  });

  it('describes non-Error throwables without failing', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const hostile = {
      get message(): string {
        throw new Error('getter');
      },
    };
    for (const thrown of ['text', 42, null, undefined, hostile]) {
      expect(() =>
        profiler.measure('x', () => {
          throw thrown;
        }),
      ).toThrow();
    }
    await profiler.flush();
    expect(sink.spans.map((s) => s.attributes['error.type'])).toEqual([
      'string',
      'number',
      'object',
      'undefined',
      'unknown',
    ]);
    expect(sink.spans.every((s) => s.status === 'error')).toBe(true);
  });

  it('span.recordError, end(status), annotate after end, and bad attribute values', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const shared = { fixed: 'yes' };
    profiler.measure(
      'manual',
      (span) => {
        span.annotate({ step: 1, tags: ['a', 'b'] });
        span.annotate({
          bad: { nested: true } as never,
          mixed: [1, 'x'] as never,
          fn: (() => 1) as never,
        });
        span.recordError(new RangeError('late'));
        span.end();
        span.annotate({ afterEnd: true });
      },
      shared,
    );
    expect(shared).toEqual({ fixed: 'yes' }); // the caller's object is never mutated
    const s = profiler.start('explicit');
    s.end('error');
    s.end('ok'); // ignored: ends once
    await profiler.flush();
    const [manual, explicit] = sink.spans;
    expect(manual!.attributes).toEqual({
      fixed: 'yes',
      step: 1,
      tags: ['a', 'b'],
      'error.type': 'RangeError',
      'error.message': 'late',
    });
    expect(manual!.status).toBe('error');
    expect(explicit!.status).toBe('error');
    expect(profiler.stats().droppedAttributes).toBe(3);
  });

  it('never lets a name function failure reach the caller', () => {
    const errors: unknown[] = [];
    const profiler = new Profiler({ flushOnExit: false, onError: (e) => errors.push(e) });
    open.push(profiler);
    const f = profiler.wrap(
      () => {
        throw new Error('name fn');
      },
      function loadUser(id: number) {
        return id * 2;
      },
    );
    expect(f(21)).toBe(42);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'ProfilerError', code: 'NAME_FUNCTION' });
  });

  it('validates measure() arguments at the boundary', () => {
    const profiler = make(new InMemorySink());
    expect(() => profiler.measure('x', 'nope' as never)).toThrow(/Expected `fn` to be a function/);
    expect(() => profiler.measure(3 as never, () => 1)).toThrow(TypeError);
    expect(() => profiler.start({} as never)).toThrow(/Expected `name` to be a string/);
  });
});

describe('results and tags the profiler must not touch', () => {
  it("never calls a non-promise thenable's then (a lazy query runs once, when the caller awaits)", async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    let executions = 0;
    const lazyQuery = {
      // biome-ignore lint/suspicious/noThenProperty: a query builder is exactly such a thenable
      then(resolve: (value: number) => void) {
        executions++;
        resolve(42);
      },
    };
    const result = profiler.measure('query', () => lazyQuery);
    expect(result).toBe(lazyQuery);
    expect(executions).toBe(0);
    expect(await result).toBe(42);
    expect(executions).toBe(1);
    await profiler.flush();
    expect(sink.spans.map((s) => [s.name, s.status])).toEqual([['query', 'ok']]);
  });

  it('follows a native promise to its end and returns that very promise', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const promise = new Promise<string>((resolve) => setTimeout(() => resolve('done'), 5));
    expect(profiler.measure('wait', () => promise)).toBe(promise);
    await promise;
    await profiler.flush();
    expect(sink.spans[0]!.duration).toBeGreaterThanOrEqual(4);
  });

  it('ends each span when its own promise settles, whoever settles it and from where', async () => {
    const sink = new InMemorySink();
    const clock = new ManualClock();
    const profiler = new Profiler({ sink, clock: clock.read, flushOnExit: false });
    open.push(profiler);
    class TaggedPromise<T> extends Promise<T> {}
    const settle: Record<string, (value: unknown) => void> = {};
    const fail: Record<string, (error: unknown) => void> = {};
    // Overlapping spans: a native promise, another realm's promise, a subclass, a rejection.
    const native = profiler.measure(
      'native',
      () => new Promise((resolve) => (settle.native = resolve)),
    );
    clock.advance(1);
    const realm = profiler.measure(
      'realm',
      () =>
        runInNewContext('new Promise((resolve) => { hand(resolve); })', {
          hand: (resolve: (value: unknown) => void) => (settle.realm = resolve),
        }) as Promise<unknown>,
    );
    clock.advance(1);
    const tagged = profiler.measure(
      'subclass',
      () => new TaggedPromise((resolve) => (settle.subclass = resolve)),
    );
    clock.advance(1);
    const rejected = profiler.measure(
      'rejected',
      () => new Promise((_, reject) => (fail.rejected = reject)),
    );
    // Settled in another order, each from inside another recorded span's context.
    const at = async (time: number, act: () => void) => {
      clock.now = time;
      profiler.measure('settler', act);
      await new Promise((resolve) => setImmediate(resolve));
    };
    await at(10, () => settle.subclass!(1));
    await at(20, () => fail.rejected!(new RangeError('late')));
    await at(30, () => settle.realm!(2));
    await at(40, () => settle.native!(3));
    await Promise.all([native, realm, tagged, rejected.catch(() => {})]);
    await profiler.flush();
    const byName = Object.fromEntries(sink.spans.map((s) => [s.name, s]));
    expect(byName.native).toMatchObject({ duration: 40, status: 'ok' });
    expect(byName.realm).toMatchObject({ duration: 29, status: 'ok' });
    expect(byName.subclass).toMatchObject({ duration: 8, status: 'ok' });
    expect(byName.rejected).toMatchObject({
      duration: 17,
      status: 'error',
      attributes: { 'error.type': 'RangeError', 'error.message': 'late' },
    });
  });

  it('a throwing getter or proxy in tags is dropped and counted, never thrown', async () => {
    const sink = new InMemorySink();
    const profiler = make(sink);
    const hostile = {};
    Object.defineProperty(hostile, 'x', {
      enumerable: true,
      get() {
        throw new Error('getter boom');
      },
    });
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap boom');
        },
      },
    );
    const value = profiler.measure(
      'tagged',
      (span) => {
        span.annotate(hostile as never);
        span.annotate(trap as never);
        span.annotate({ kept: 1 });
        return 'ok';
      },
      hostile as never,
    );
    expect(value).toBe('ok');
    profiler.measure('initial-only', () => 1, hostile as never);
    await profiler.flush();
    expect(sink.spans.map((s) => s.name)).toEqual(['tagged', 'initial-only']);
    expect(sink.spans[0]!.attributes).toEqual({ kept: 1 });
    expect(sink.spans[1]!.attributes).toEqual({});
    expect(profiler.stats().droppedAttributes).toBeGreaterThanOrEqual(3);
  });
});
