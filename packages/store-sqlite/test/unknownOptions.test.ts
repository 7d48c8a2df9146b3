// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used: the reader, its query methods, RunLog.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader, RunLog, type SpanReader, SqliteSpanStore } from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
let path: string;
beforeEach(async () => {
  tmp = temporaryDirectory();
  path = join(tmp.dir, 'ferret.db');
  const store = new SqliteSpanStore({ path, worker: false });
  store.write([span({ name: 'GET /', runId: 'r1' })]);
  await store.close();
});
afterEach(() => tmp.cleanup());

describe('the store-sqlite readers refuse a misspelt option', () => {
  it('openSpanReader', () => {
    expect(() => openSpanReader(path, { queryTimeout: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "queryTimeout" for openSpanReader (did you mean `queryTimeoutMs`?); known options: onWarning, queryTimeoutMs',
      ),
    );
  });

  it('every query method', () => {
    const reader = openSpanReader(path);
    try {
      const cases: [string, (r: SpanReader) => unknown, string][] = [
        ['summary', (r) => r.summary({ runid: 'r1' } as never), 'runId'],
        ['profile', (r) => r.profile({ limit: {} } as never), 'limits'],
        ['recent', (r) => r.recent({ windowMS: 5000 } as never), 'windowMs'],
        ['analyze', (r) => r.analyze({ sampleSiz: 5 } as never), 'sampleSize'],
        ['stackTree', (r) => r.stackTree({ maxStack: 5 } as never), 'maxStacks'],
        ['stalls', (r) => r.stalls({ runid: 'r1' } as never), 'runId'],
        ['slowestTraces', (r) => r.slowestTraces({ limits: 5 } as never), 'limit'],
        ['spans', (r) => [...r.spans({ traceID: 'x' } as never)], 'traceId'],
      ];
      for (const [method, call, meant] of cases) {
        expect(() => call(reader)).toThrow(TypeError);
        expect(() => call(reader)).toThrow(
          new RegExp(`for SpanReader\\.${method}\\(\\) \\(did you mean \`${meant}\`\\?\\)`),
        );
      }
      // Options as documented still work.
      expect(reader.summary({ runId: 'r1' }).map((row) => row.name)).toEqual(['GET /']);
    } finally {
      reader.close();
    }
  });

  it('RunLog', () => {
    expect(() => new RunLog(path, { busyTimeout: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "busyTimeout" for RunLog (did you mean `busyTimeoutMs`?); known options: busyTimeoutMs',
      ),
    );
  });
});
