import type { Profiler } from '@ferret/profiler';

/** `Symbol.for()` key of the object instrumented code calls (see {@link FunctionsRuntime}). */
export const FUNCTIONS_RUNTIME_KEY = '@ferret/run.functions';

/** What instrumented code calls: `m(name, body)` runs `body` as a span of the run's profiler. */
export interface FunctionsRuntime {
  m<R>(name: string, body: () => R): R;
}

/**
 * Points instrumented code at `profiler`. Code instrumented where no runtime is installed (a
 * worker thread, where the preload starts no run) calls its functions straight through.
 * @internal
 */
export function installFunctionsRuntime(profiler: Profiler): void {
  const runtime: FunctionsRuntime = {
    m: (name, body) => profiler.measure(name, body),
  };
  (globalThis as Record<symbol, unknown>)[Symbol.for(FUNCTIONS_RUNTIME_KEY)] = runtime;
}
