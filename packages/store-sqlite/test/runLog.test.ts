import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FERRET_APPLICATION_ID,
  FerretStoreError,
  openSpanReader,
  RunLog,
  SqliteSpanStore,
} from '../src/index.js';
import { MIGRATIONS } from '../src/schema.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

describe('RunLog', () => {
  it('records a run that closed cleanly: command, times, exit status, processes', async () => {
    const path = join(tmp.dir, 'ferret.db');
    const log = new RunLog(path);
    log.runStarted({ runId: 'r1', command: 'node app.js', startedAt: 1000 });
    log.processStarted({ runId: 'r1', pid: 11, nodeVersion: 'v20.0.0', startedAt: 1001 });
    log.processStarted({ runId: 'r1', pid: 12, nodeVersion: 'v20.0.0', startedAt: 1002 });
    const store = new SqliteSpanStore({ path });
    store.write([span({ runId: 'r1', startTime: 1500 })]);
    await store.close();
    log.processEnded({ runId: 'r1', pid: 12, endedAt: 1900, closedCleanly: true });
    log.processEnded({ runId: 'r1', pid: 11, endedAt: 1950, closedCleanly: true });
    log.runEnded({ runId: 'r1', endedAt: 2000, exitCode: null, exitSignal: 'SIGINT' });

    const reader = openSpanReader(path);
    const [run] = reader.runs();
    reader.close();
    expect(run).toMatchObject({ runId: 'r1', spanCount: 1, firstStartTime: 1500 });
    expect(run!.metadata).toEqual({
      command: 'node app.js',
      startedAt: 1000,
      endedAt: 2000,
      exitCode: null,
      exitSignal: 'SIGINT',
      pids: [11, 12],
      nodeVersions: ['v20.0.0'],
      complete: true,
    });
  });

  it('marks a run incomplete when a process never closed cleanly or the end is missing', () => {
    const path = join(tmp.dir, 'ferret.db');
    const log = new RunLog(path);
    log.runStarted({ runId: 'killed', command: 'node app.js', startedAt: 1000 });
    log.processStarted({ runId: 'killed', pid: 21, nodeVersion: 'v20.0.0', startedAt: 1001 });
    log.runEnded({ runId: 'killed', endedAt: 2000, exitCode: null, exitSignal: 'SIGKILL' });
    log.runStarted({ runId: 'running', command: 'node b.js', startedAt: 3000 });
    log.processStarted({ runId: 'running', pid: 22, nodeVersion: 'v20.0.0', startedAt: 3001 });
    log.processEnded({ runId: 'running', pid: 22, endedAt: 3500, closedCleanly: true });

    const reader = openSpanReader(path);
    const runs = new Map(reader.runs().map((run) => [run.runId, run]));
    reader.close();
    expect(runs.get('killed')!.metadata).toMatchObject({ complete: false, exitSignal: 'SIGKILL' });
    expect(runs.get('running')!.metadata).toMatchObject({ complete: false, pids: [22] });
    expect(runs.get('running')!.metadata!.endedAt).toBeUndefined();
  });

  it('leaves runs without metadata without it, and migrates a version 1 file forward', async () => {
    const path = join(tmp.dir, 'old.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`application_id = ${FERRET_APPLICATION_ID}`);
    MIGRATIONS[0]!(db);
    db.exec(
      `INSERT INTO runs (run_id, first_start, last_end, span_count) VALUES ('v1-run', 5, 6, 0)`,
    );
    db.pragma('user_version = 1');
    db.close();
    const before = openSpanReader(path);
    expect(before.runs()[0]!.metadata).toBeUndefined();
    before.close();

    new RunLog(path).runStarted({ runId: 'v2-run', command: 'x', startedAt: 10 });
    const after = openSpanReader(path);
    const runs = after.runs();
    after.close();
    expect(runs.find((run) => run.runId === 'v1-run')!.metadata).toBeUndefined();
    expect(runs.find((run) => run.runId === 'v2-run')!.metadata).toMatchObject({
      command: 'x',
      complete: false,
    });
  });

  it('throws a FerretStoreError naming the file when it cannot write', () => {
    // A regular file where a directory should be: unwritable even for root.
    const notADirectory = join(tmp.dir, 'file');
    writeFileSync(notADirectory, 'x');
    const path = join(notADirectory, 'ferret.db');
    const log = new RunLog(path);
    expect(() => log.runStarted({ runId: 'r', command: 'x', startedAt: 1 })).toThrow(
      FerretStoreError,
    );
    expect(() => log.runStarted({ runId: 'r', command: 'x', startedAt: 1 })).toThrow(path);
  });

  it('validates its path', () => {
    expect(() => new RunLog('')).toThrow(TypeError);
    expect(() => new RunLog(':memory:')).toThrow(/database file path/);
    expect(() => new RunLog('x.db', { busyTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => new RunLog('x.db', { busyTimeoutMs: 2 ** 31 })).toThrow(/at most 2147483647 ms/);
  });
});
