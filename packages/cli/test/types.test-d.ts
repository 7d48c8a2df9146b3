import type { SpanRecord } from '@ferret/profiler';
import { describe, expectTypeOf, it } from 'vitest';
import type * as root from '../src/index.js';
import {
  type CliIo,
  main,
  type SpeedscopeFile,
  type TextSink,
  toSpeedscope,
} from '../src/index.js';

describe('@ferret/cli types', () => {
  it('main() takes argv and optional streams and resolves to an exit code', () => {
    expectTypeOf(main).parameter(0).toEqualTypeOf<string[]>();
    expectTypeOf(main).parameter(1).toEqualTypeOf<Partial<CliIo> | undefined>();
    expectTypeOf(main).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<{ write(chunk: string): void }>().toExtend<TextSink>();
  });

  it('toSpeedscope turns span records into a speedscope file', () => {
    expectTypeOf(toSpeedscope).parameter(0).toExtend<Iterable<SpanRecord>>();
    expectTypeOf(toSpeedscope).returns.toEqualTypeOf<SpeedscopeFile>();
  });

  it('exports no internal constants at run time', () => {
    expectTypeOf<keyof typeof root>().toEqualTypeOf<
      'ELLIPSIS' | 'escapeControlCharacters' | 'main' | 'terminalText' | 'toSpeedscope'
    >();
  });
});
