// `String(x)` of the store's public classes says what each is configured with (OpenTelemetry's
// `Name{key=value, …}` style), so a log line or a debugger shows the limits in force.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSpanReader, RunLog, SqliteSpanStore } from '../src/index.js';
import { SqliteSpanExporter } from '../src/otel.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

it('SqliteSpanStore, SqliteSpanExporter, RunLog and the reader show their path and limits', async () => {
  const path = join(tmp.dir, 'ferret.db');
  const store = new SqliteSpanStore({
    path,
    worker: false,
    busyTimeoutMs: 500,
    maxPendingSpans: 1000,
    exitFlushTimeoutMs: 700,
  });
  expect(String(store)).toBe(
    `SqliteSpanStore{path=${JSON.stringify(path)}, worker=false, busyTimeoutMs=500, maxPendingSpans=1000, exitFlushTimeoutMs=700}`,
  );
  store.write([span({ name: 'GET /', runId: 'r1' })]);
  await store.close();

  const exporter = new SqliteSpanExporter({ path, worker: false, runId: 'r2' });
  expect(String(exporter)).toBe(`SqliteSpanExporter{path=${JSON.stringify(path)}, runId="r2"}`);
  await exporter.shutdown();

  expect(String(new RunLog(path, { busyTimeoutMs: 300 }))).toBe(
    `RunLog{path=${JSON.stringify(path)}, busyTimeoutMs=300}`,
  );

  const reader = openSpanReader(path, { queryTimeoutMs: 1234 });
  expect(String(reader)).toBe(`SpanReader{path=${JSON.stringify(path)}, queryTimeoutMs=1234}`);
  reader.close();
});
