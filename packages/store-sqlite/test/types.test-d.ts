import type { SpanRecord } from '@ferret/profiler';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expectTypeOf, it } from 'vitest';
import * as root from '../src/index.js';
import {
  FerretStoreError,
  type FerretStoreErrorCode,
  type NameSummary,
  openSpanReader,
  type RunInfo,
  type SpanReader,
  type SpanStoreStats,
  SqliteSpanStore,
  type TraceTree,
} from '../src/index.js';
import type { SqliteSpanExporter, SqliteSpanExporterOptions } from '../src/otel.js';

describe('@ferret/store-sqlite types', () => {
  it('stats() is a method returning the named snapshot', () => {
    const store = new SqliteSpanStore({ path: ':memory:' });
    expectTypeOf(store.stats).toBeFunction();
    expectTypeOf(store.stats()).toEqualTypeOf<SpanStoreStats>();
    expectTypeOf<SpanStoreStats['spansWritten']>().toEqualTypeOf<number>();
    // @ts-expect-error no better-sqlite3 connection in the public surface
    store.database;
  });

  it('the reader returns the documented shapes', () => {
    const reader: SpanReader = openSpanReader('ferret.db');
    expectTypeOf(reader.runs()).toEqualTypeOf<RunInfo[]>();
    expectTypeOf(reader.summary({ runId: 'r' })).toEqualTypeOf<NameSummary[]>();
    expectTypeOf(reader.slowestTraces({ limit: 3 })).toEqualTypeOf<TraceTree[]>();
    expectTypeOf(reader.spans()).toEqualTypeOf<IterableIterator<SpanRecord>>();
    expectTypeOf(reader.latestRunId()).toEqualTypeOf<string | undefined>();
    // @ts-expect-error runId is a string
    reader.summary({ runId: 5 });
  });

  it('errors carry a code from a closed set', () => {
    expectTypeOf(new FerretStoreError('CORRUPT', 'x').code).toEqualTypeOf<FerretStoreErrorCode>();
    // @ts-expect-error not a code
    new FerretStoreError('NOPE', 'x');
  });

  it('the OpenTelemetry exporter lives on the /otel subpath only', () => {
    expectTypeOf<SqliteSpanExporter>().toMatchTypeOf<SpanExporter>();
    expectTypeOf<SqliteSpanExporterOptions>().toHaveProperty('runId');
    expectTypeOf(root).not.toHaveProperty('SqliteSpanExporter');
  });
});
