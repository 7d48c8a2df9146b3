// End to end: what the CLI does with files it must not overwrite, and with databases whose rows
// hold the wrong types (a damaged or crafted file).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './support/captureIo.js';

/** The part of better-sqlite3's Database these tests use. */
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  unsafeMode(on: boolean): unknown;
  close(): unknown;
}

// better-sqlite3 as the store package resolves it: the tests edit files the store wrote.
const Database = createRequire(createRequire(import.meta.url).resolve('@ferret/store-sqlite'))(
  'better-sqlite3',
) as new (
  path: string,
) => SqliteDatabase;

async function run(argv: string[]) {
  const capture = captureIo();
  const code = await main(argv, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function writeDatabase(path: string): Promise<void> {
  const base = {
    traceId: 'a'.repeat(32),
    status: 'ok' as const,
    attributes: {},
    pid: 1,
    threadId: 0,
    weight: 1,
    runId: 'run-1',
  };
  const spans: SpanRecord[] = [
    { ...base, spanId: '1'.repeat(16), name: 'root', startTime: 1e12, duration: 5 },
    {
      ...base,
      spanId: '2'.repeat(16),
      parentSpanId: '1'.repeat(16),
      name: 'child',
      startTime: 1e12 + 1,
      duration: 2,
      attributes: { k: 'v' },
    },
  ];
  const store = new SqliteSpanStore({ path, worker: false });
  store.write(spans);
  await store.close();
}

describe('ferret export -o refuses to replace what it should not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-overwrite-'));
  const db = join(dir, 'ferret.db');
  const other = join(dir, 'other.db');

  beforeAll(async () => {
    await writeDatabase(db);
    await writeDatabase(other);
  });

  it('never overwrites the database being read, or another Ferret database, even with --force', async () => {
    const before = sha(db);
    const beforeOther = sha(other);
    for (const argv of [
      ['export', db, '-o', db],
      ['export', db, '-o', db, '--force'],
      ['export', db, '-o', `${db}-wal`, '--force'],
      ['export', db, '-o', other],
      ['export', db, '-o', other, '--force'],
    ]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ code, stdout }, argv.join(' ')).toEqual({ code: 1, stdout: '' });
      expect(stderr).toMatch(/^ferret: refusing to (overwrite|write to) \S+: it is [^\n]+\n$/);
    }
    expect(sha(db)).toBe(before);
    expect(sha(other)).toBe(beforeOther);
    expect((await run(['export', db, '-o', other])).stderr).toBe(
      `ferret: refusing to overwrite ${other}: it is a Ferret span database (choose another file name, or delete it first)\n`,
    );
  });

  it('never overwrites another SQLite database', async () => {
    const sqlite = join(dir, 'app.sqlite');
    const foreign = new Database(sqlite);
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    const before = sha(sqlite);
    const { code, stderr } = await run(['export', db, '-o', sqlite, '--force']);
    expect(code).toBe(1);
    expect(stderr).toContain('it is an SQLite database');
    expect(sha(sqlite)).toBe(before);
  });

  it('replaces another existing file only with --force', async () => {
    const json = join(dir, 'trace.json');
    writeFileSync(json, 'keep me');
    const refused = await run(['export', db, '-o', json]);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: `ferret: ${json} already exists (pass --force to replace it)\n`,
    });
    expect(readFileSync(json, 'utf8')).toBe('keep me');
    const forced = await run(['export', db, '-o', json, '--force']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ shared: { frames: [{}, {}] } });
    const fresh = join(dir, 'fresh.json');
    expect((await run(['export', db, '-o', fresh])).code).toBe(0);
  });

  it('a directory is refused in one line', async () => {
    const { code, stderr } = await run(['export', db, '-o', dir, '--force']);
    expect(code).toBe(1);
    expect(stderr).toBe(`ferret: cannot write ${dir}: it is a directory\n`);
  });
});

describe('a database whose rows hold the wrong types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-damaged-'));
  const pristine = join(dir, 'pristine.db');
  /** Damage made by editing the file outside Ferret; constraints are lifted first where needed. */
  const damages: Record<string, string> = {
    'a NULL run id': 'UPDATE runs SET run_id = NULL',
    'text in REAL columns': "UPDATE spans SET duration = 'abc', start_time = 'x'",
    'numbers for names, text for weights': "UPDATE spans SET name = 42, weight = 'w'",
    'a blob for attributes, a number for the trace id':
      "UPDATE spans SET attributes = x'00ff', trace_id = 7",
    'a NULL name': 'UPDATE spans SET name = NULL',
  };
  const files: Record<string, string> = {};

  beforeAll(async () => {
    await writeDatabase(pristine);
    for (const [i, [label, sql]] of Object.entries(damages).entries()) {
      const path = join(dir, `damaged-${i}.db`);
      copyFileSync(pristine, path);
      let db = new Database(path);
      db.pragma('journal_mode = DELETE');
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.exec(
        "UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE name IN ('runs', 'spans')",
      );
      db.close();
      db = new Database(path);
      db.exec(sql);
      db.close();
      files[label] = path;
    }
  });

  it.each(Object.keys(damages))(
    '%s: every command succeeds or fails in one line with exit 1, never exit 2, never a stack',
    async (label) => {
      const path = files[label]!;
      for (const argv of [
        ['runs', path],
        ['runs', path, '--json'],
        ['analyze', path],
        ['analyze', path, '--json'],
        ['analyze', path, '--tree'],
        ['export', path],
      ]) {
        const { code, stdout, stderr } = await run(argv);
        const what = `${argv.join(' ')} → ${code} ${stderr}`;
        expect([0, 1], what).toContain(code);
        if (code === 1) {
          expect(stderr, what).toMatch(/^ferret: [^\n]+\n$/);
          expect(stdout, what).toBe('');
        } else {
          expect(stderr, what).toBe('');
        }
        expect(stderr, what).not.toMatch(/\n\s+at /);
      }
    },
  );
});
