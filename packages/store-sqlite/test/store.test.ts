import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from '@ferret/profiler';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FERRET_APPLICATION_ID,
  type FerretStoreError,
  openSpanReader,
  SCHEMA_VERSION,
  SqliteSpanStore,
} from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

describe.each([true, false])('SqliteSpanStore failures (worker: %s)', (worker) => {
  it('refuses malformed records, commits the rest of the batch and reports through onError', async () => {
    const path = join(tmp.dir, 'malformed.db');
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({ path, worker, onError: (e) => errors.push(e) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() =>
      store.write([
        span({ name: 'kept' }),
        span({ startTime: Number.NaN }),
        span({ attributes: { n: 10n } as never }),
        span({ attributes: cyclic as never }),
        span({ name: 'kept too' }),
      ]),
    ).not.toThrow();
    expect(() => store.writeCounts([{ name: 'x' } as never])).not.toThrow();
    await store.close();
    expect(store.stats()).toMatchObject({ spansWritten: 2, rejected: 4, dropped: 0 });
    expect(errors.map((e) => e.code)).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
    expect(errors[0]!.message).toContain(
      'refused 3 of 5 spans: span "work" with a non-finite startTime or duration',
    );
    const reader = openSpanReader(path);
    expect([...reader.spans()].map((s) => s.name)).toEqual(['kept', 'kept too']);
    expect(reader.runs()[0]!.spanCount).toBe(2);
    reader.close();
  });

  it('drops and reports writes after close, never throwing', async () => {
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({
      path: join(tmp.dir, 'closed.db'),
      worker,
      onError: (e) => errors.push(e),
    });
    await store.close();
    await store.close();
    expect(() => store.write([span()])).not.toThrow();
    expect(() => store.write('nope' as never)).not.toThrow();
    await store.flush();
    expect(store.stats().dropped).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['DROPPED', 'INVALID_ARGUMENT']);
  });

  it('an onError that throws does not reach the caller', async () => {
    const store = new SqliteSpanStore({
      path: join(tmp.dir, 'throwing.db'),
      worker,
      onError: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => store.write([span({ duration: Number.POSITIVE_INFINITY })])).not.toThrow();
    await store.close();
    expect(store.stats().rejected).toBe(1);
  });
});

describe('SqliteSpanStore.flushSync()', () => {
  const count = (name: string, calls: number) => ({
    name,
    calls,
    recorded: calls,
    dropped: 0,
    intervalStart: 1_700_000_000_000,
    intervalEnd: 1_700_000_001_000,
    runId: 'run-1',
  });

  it('blocks until spans and count records handed over are committed, with stats and errors current', async () => {
    const path = join(tmp.dir, 'flush-sync.db');
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({ path, onError: (e) => errors.push(e) });
    const spans = Array.from({ length: 2000 }, () => span());
    store.write(spans.slice(0, 1000));
    store.write([...spans.slice(1000), span({ startTime: Number.NaN })]);
    store.writeCounts([count('work', 5), count('other', 7)]);

    store.flushSync();
    // No await since the writes: the worker's replies were read synchronously.
    expect(store.stats()).toMatchObject({
      spansWritten: 2000,
      countsWritten: 2,
      rejected: 1,
      pendingSpans: 0,
    });
    expect(errors.map((e) => e.code)).toEqual(['INVALID_ARGUMENT']);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(2000);
    expect(db.prepare('SELECT sum(calls) FROM counts').pluck().get()).toBe(12);
    db.close();
    await store.close();
  });

  it('gives up after exitFlushTimeoutMs and reports it; the batches still commit later', async () => {
    const path = join(tmp.dir, 'flush-sync-timeout.db');
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({
      path,
      exitFlushTimeoutMs: 0,
      onError: (e) => errors.push(e),
    });
    // The worker is still starting: nothing can be committed within 0 ms.
    store.write([span(), span()]);
    store.flushSync();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('WRITE_FAILED');
    expect(errors[0]!.message).toMatch(/flushSync\(\) stopped waiting after 0 ms/);
    await store.close();
    expect(store.stats()).toMatchObject({ spansWritten: 2, dropped: 0, pendingSpans: 0 });
  });

  it('is a no-op for an in-thread store (writes are already synchronous) and after close', async () => {
    const store = new SqliteSpanStore({ path: ':memory:' });
    store.write([span()]);
    expect(() => store.flushSync()).not.toThrow();
    expect(store.stats().spansWritten).toBe(1);
    await store.close();
    const fileStore = new SqliteSpanStore({ path: join(tmp.dir, 'closed.db') });
    await fileStore.close();
    expect(() => fileStore.flushSync()).not.toThrow();
  });
});

describe('SqliteSpanStore hand-over queue', () => {
  it('bounds spans awaiting the worker: beyond maxPendingSpans batches are dropped and counted', async () => {
    const path = join(tmp.dir, 'bounded.db');
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({
      path,
      maxPendingSpans: 1000,
      onError: (e) => errors.push(e),
    });
    const batch = (): SpanRecord[] => Array.from({ length: 600 }, () => span());
    store.write(batch()); // 600 pending
    store.write(batch()); // would be 1200 > 1000: dropped
    expect(store.stats()).toMatchObject({ pendingSpans: 600, dropped: 600 });
    expect(errors[0]!.code).toBe('DROPPED');
    expect(errors[0]!.message).toContain('maxPendingSpans 1000');
    await store.flush();
    expect(store.stats().pendingSpans).toBe(0);
    store.write(batch()); // room again
    await store.close();
    expect(store.stats()).toMatchObject({ spansWritten: 1200, dropped: 600 });
  });

  it('reports a batch that cannot be sent to the worker instead of throwing', async () => {
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({
      path: join(tmp.dir, 'clone.db'),
      onError: (e) => errors.push(e),
    });
    expect(() => store.write([span({ attributes: { f: (() => 1) as never } })])).not.toThrow();
    await store.close();
    expect(store.stats().dropped).toBe(1);
    expect(errors[0]!.code).toBe('DROPPED');
  });

  it('describes its configuration', () => {
    const store = new SqliteSpanStore({ path: ':memory:' });
    expect(String(store)).toBe(
      'SqliteSpanStore{path=":memory:", worker=false, busyTimeoutMs=10000, maxPendingSpans=200000, exitFlushTimeoutMs=5000}',
    );
    void store.close();
  });
});

describe('SqliteSpanStore file handling', () => {
  it('reports a file it cannot create (NOT_FOUND: no such directory) through onError (worker) or a FerretStoreError (in-thread)', async () => {
    const path = join(tmp.dir, 'no-such-dir', 'x.db');
    const errors: FerretStoreError[] = [];
    const store = new SqliteSpanStore({ path, onError: (e) => errors.push(e) });
    store.write([span()]);
    await store.flush();
    await store.close();
    expect(store.stats()).toMatchObject({ spansWritten: 0, dropped: 1 });
    expect(errors.map((e) => e.code)).toEqual(['NOT_FOUND', 'WRITE_FAILED']);
    expect(errors[0]!.message).toMatch(/no-such-dir\/x\.db: cannot create/);
    expect(() => new SqliteSpanStore({ path, worker: false })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('migrates an older Ferret file forward (version 0: marked, no tables)', async () => {
    const path = join(tmp.dir, 'old.db');
    const old = new Database(path);
    old.pragma(`application_id = ${FERRET_APPLICATION_ID}`);
    old.close();
    const store = new SqliteSpanStore({ path });
    store.write([span({ runId: 'migrated' })]);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    const reader = openSpanReader(path);
    expect(reader.runs().map((r) => r.runId)).toEqual(['migrated']);
    reader.close();
  });

  it('lets a reader read while a writer is writing the same file', async () => {
    const path = join(tmp.dir, 'live.db');
    const store = new SqliteSpanStore({ path });
    store.write([span({ runId: 'live' })]);
    await store.flush();
    const reader = openSpanReader(path);
    expect(reader.runs()[0]!.spanCount).toBe(1);
    store.write([span({ runId: 'live' }), span({ runId: 'live' })]);
    await store.flush();
    expect(reader.runs()[0]!.spanCount).toBe(3);
    reader.close();
    await store.close();
  });
});

describe('SqliteSpanStore under a changing host', () => {
  it.each([
    ['worker', true],
    ['in-thread', false],
  ])(
    '%s: a file deleted while the store writes is reported once, later spans counted as lost (were counted as written)',
    async (_label, worker) => {
      const path = join(tmp.dir, 'deleted.db');
      const errors: FerretStoreError[] = [];
      const store = new SqliteSpanStore({ path, worker, onError: (e) => errors.push(e) });
      store.write([span()]);
      await store.flush();
      rmSync(path);
      for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true });
      store.write([span(), span()]);
      store.writeCounts([
        {
          name: 'work',
          runId: 'run-1',
          calls: 1,
          recorded: 1,
          dropped: 0,
          intervalStart: 1,
          intervalEnd: 2,
        },
      ]);
      store.write([span()]);
      await store.close();
      expect(store.stats()).toMatchObject({ spansWritten: 1, countsWritten: 0, dropped: 4 });
      // The sink-confirms-storage figures: spans only (the lost count record is not a span).
      expect(store.stats()).toMatchObject({ storedSpans: 1, lostSpans: 3, pendingSpans: 0 });
      expect(errors.map((e) => e.code)).toEqual(['FILE_REPLACED']);
      expect(errors[0]!.message).toMatch(/deleted\.db was deleted while the store was writing it/);
    },
  );

  it('starts in a process launched with `node --input-type=module -e` (was "writer thread failed")', () => {
    const script = `
      import { SqliteSpanStore } from '@ferret/store-sqlite';
      import { makeSpan } from ${JSON.stringify(new URL('./fixtures/spans.mjs', import.meta.url).href)};
      const errors = [];
      const store = new SqliteSpanStore({ path: process.argv[1], onError: (e) => errors.push(e.message) });
      store.write([makeSpan('eval', 0), makeSpan('eval', 1)]);
      await store.close();
      process.stdout.write(JSON.stringify({ written: store.stats().spansWritten, errors }));`;
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, join(tmp.dir, 'eval.db')],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ written: 2, errors: [] });
  });
});
