import type { Profiler } from '@ferret/profiler';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expectTypeOf, it } from 'vitest';
import {
  currentRun,
  type FerretRun,
  getProfiler,
  type RunSettings,
  readRunSettings,
  type StoreSpanProcessor,
  startRun,
} from '../src/index.js';
import type * as register from '../src/register.js';

describe('@ferret/run types', () => {
  it('getProfiler() hands out the run profiler', () => {
    expectTypeOf(getProfiler).returns.toEqualTypeOf<Profiler>();
    expectTypeOf(startRun).returns.toEqualTypeOf<FerretRun>();
    expectTypeOf(currentRun).returns.toEqualTypeOf<FerretRun | undefined>();
    expectTypeOf<FerretRun['stop']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('settings come from an environment record', () => {
    expectTypeOf(readRunSettings).returns.toEqualTypeOf<RunSettings>();
    expectTypeOf<RunSettings['budget']>().toEqualTypeOf<number>();
    // @ts-expect-error the environment is a record of strings, not a path
    readRunSettings(42);
  });

  it('StoreSpanProcessor is an OpenTelemetry SpanProcessor', () => {
    expectTypeOf<StoreSpanProcessor>().toExtend<SpanProcessor>();
  });

  it('the register entry exports nothing: it only starts the run', () => {
    expectTypeOf<keyof typeof register>().toEqualTypeOf<never>();
  });
});
