import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySink } from '../src/InMemorySink.js';
import { Profiler } from '../src/Profiler.js';
import type { ProfilerError } from '../src/ProfilerError.js';

const open: Profiler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

type Method = (this: unknown, x: number) => number;

/** Applies `@profiler.measured()` to `method` the way the decorator syntax does. */
function decorate(profiler: Profiler, method: Method, isStatic = false): Method {
  const context = {
    kind: 'method',
    name: 'load',
    static: isStatic,
    private: false,
    access: { has: () => true, get: () => method },
    addInitializer: () => {},
    metadata: {},
  } as unknown as ClassMethodDecoratorContext<unknown, Method>;
  return profiler.measured<unknown, [number], number>()(method, context);
}

describe('#9.6 @profiler.measured() with the default name', () => {
  it('falls back to the method name when `this` cannot tell its class', async () => {
    const errors: ProfilerError[] = [];
    const sink = new InMemorySink();
    const profiler = new Profiler({
      sink,
      flushOnExit: false,
      maxSpansPerSecond: Infinity,
      onError: (e) => errors.push(e),
    });
    open.push(profiler);
    const load = decorate(profiler, (x) => x * 2);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwingConstructor = Object.defineProperty({}, 'constructor', {
      get() {
        throw new Error('no class');
      },
    });
    const throwingName = {
      constructor: Object.defineProperty(() => {}, 'name', {
        get: () => {
          throw new Error('no name');
        },
      }),
    };
    expect(load.call(proxy, 1)).toBe(2);
    expect(load.call(throwingConstructor, 2)).toBe(4);
    expect(load.call(throwingName, 3)).toBe(6);
    const staticLoad = decorate(profiler, (x) => x + 1, true);
    expect(staticLoad.call(proxy, 1)).toBe(2);
    await profiler.flush();
    expect(sink.spans.map((s) => s.name)).toEqual(['load', 'load', 'load', 'load']);
    expect(errors.map((e) => e.code)).toEqual(Array(4).fill('NAME_FUNCTION'));
  });

  it('still names ordinary instances ClassName.method', async () => {
    const sink = new InMemorySink();
    const profiler = new Profiler({ sink, flushOnExit: false, maxSpansPerSecond: Infinity });
    open.push(profiler);
    class Repo {}
    const load = decorate(profiler, (x) => x);
    load.call(new Repo(), 1);
    await profiler.flush();
    expect(sink.spans.map((s) => s.name)).toEqual(['Repo.load']);
  });
});
