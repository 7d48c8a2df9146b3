import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerretStoreError, openSpanReader, SCHEMA_VERSION, SqliteSpanStore } from '../src/index.js';
import { SqliteSpanExporter } from '../src/otel.js';
import { sha256, span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

async function ferretFile(path: string): Promise<void> {
  const store = new SqliteSpanStore({ path, worker: false });
  store.write([span()]);
  await store.close();
}

interface BadFile {
  label: string;
  code: FerretStoreError['code'];
  message: RegExp;
  make: (path: string) => Promise<void> | void;
}

const badFiles: BadFile[] = [
  {
    label: 'an empty file',
    code: 'EMPTY_FILE',
    message: /is an empty file, not a Ferret database$/,
    make: (path) => writeFileSync(path, ''),
  },
  {
    label: 'random bytes',
    code: 'NOT_FERRET',
    message: /is not a SQLite database \(unrecognised header\)$/,
    make: (path) => writeFileSync(path, randomBytes(8192)),
  },
  {
    label: 'a short text file',
    code: 'NOT_FERRET',
    message: /is not a SQLite database/,
    make: (path) => writeFileSync(path, 'hello\n'),
  },
  {
    label: 'a SQLite file of another application',
    code: 'NOT_FERRET',
    message: /is a SQLite database but not a Ferret span database \(application_id 0\)$/,
    make: (path) => {
      const db = new Database(path);
      db.exec(
        "CREATE TABLE spans (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO spans (name) VALUES ('x')",
      );
      db.close();
    },
  },
  {
    label: 'a Ferret file of a newer schema',
    code: 'NEWER_SCHEMA',
    message: new RegExp(
      `newer Ferret \\(schema version ${SCHEMA_VERSION + 1}; this @ferret/store-sqlite reads up to ${SCHEMA_VERSION}\\)`,
    ),
    make: async (path) => {
      await ferretFile(path);
      const db = new Database(path);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
    },
  },
];

describe.each(badFiles)('$label', ({ code, message, make }) => {
  const openers: [string, (path: string) => unknown][] = [
    ['openSpanReader', (path) => openSpanReader(path)],
    ['SqliteSpanStore (worker)', (path) => new SqliteSpanStore({ path })],
    ['SqliteSpanStore (in-thread)', (path) => new SqliteSpanStore({ path, worker: false })],
    ['SqliteSpanExporter', (path) => new SqliteSpanExporter({ path })],
  ];
  it.each(openers)(
    'is refused by %s with a one-line message, bytes unchanged',
    async (_name, open) => {
      const path = join(tmp.dir, 'bad.db');
      await make(path);
      const before = sha256(path);
      let thrown: unknown;
      try {
        open(path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(FerretStoreError);
      const error = thrown as FerretStoreError;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(path);
      expect(error.message).not.toContain('\n');
      expect(sha256(path)).toBe(before);
    },
  );
});

describe('other unusable paths', () => {
  it('a missing file: NOT_FOUND for the reader, created by the store', async () => {
    const path = join(tmp.dir, 'missing.db');
    expect(() => openSpanReader(path)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: `${path}: no such file` }),
    );
    expect(existsSync(path)).toBe(false);
    await ferretFile(path);
    expect(openSpanReader(path).runs()).toHaveLength(1);
  });

  it('a directory is refused', () => {
    const path = join(tmp.dir, 'dir.db');
    mkdirSync(path);
    expect(() => openSpanReader(path)).toThrow(expect.objectContaining({ code: 'NOT_FERRET' }));
    expect(() => new SqliteSpanStore({ path })).toThrow(
      expect.objectContaining({ code: 'NOT_FERRET' }),
    );
  });

  it('a Ferret header over damaged pages: CORRUPT, bytes unchanged', async () => {
    const path = join(tmp.dir, 'corrupt.db');
    await ferretFile(path);
    // Keep the 100-byte header, overwrite the rest of page 1 (the schema) with noise.
    const db = readFileSync(path);
    randomBytes(db.length - 100).copy(db, 100);
    writeFileSync(path, db);
    const before = sha256(path);
    expect(() => openSpanReader(path)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(sha256(path)).toBe(before);
  });

  it('validates store options with TypeError/RangeError naming the option', () => {
    expect(() => new SqliteSpanStore({ path: '' })).toThrow(/`path`/);
    expect(() => new SqliteSpanStore(undefined as never)).toThrow(TypeError);
    expect(() => new SqliteSpanStore({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => new SqliteSpanStore({ path: ':memory:', busyTimeoutMs: 2 ** 31 })).toThrow(
      /`busyTimeoutMs` to be at most 2147483647 ms/,
    );
    expect(() => new SqliteSpanStore({ path: ':memory:', exitFlushTimeoutMs: 1e12 })).toThrow(
      /`exitFlushTimeoutMs` to be at most 2147483647 ms/,
    );
    expect(() => new SqliteSpanStore({ path: ':memory:', maxPendingSpans: Number.NaN })).toThrow(
      /`maxPendingSpans`/,
    );
    expect(() => new SqliteSpanStore({ path: ':memory:', worker: true })).toThrow(/`worker`/);
    expect(() => new SqliteSpanStore({ path: ':memory:', onError: 5 as never })).toThrow(
      /`onError`/,
    );
    expect(() => new SqliteSpanStore({ path: ':memory:', batchSise: 3 } as never)).toThrow(
      /^Unknown option "batchSise" for SqliteSpanStore; known options: path, onError/,
    );
    expect(() => openSpanReader(42 as never)).toThrow(TypeError);
    expect(() => openSpanReader(42 as never)).toThrow(/`path`/);
  });
});

describe('a damaged runs index met while spans are mapped', () => {
  it('spans() fails with the one-line error naming the file, not a raw SqliteError', async () => {
    const path = join(tmp.dir, 'midcorrupt.db');
    await ferretFile(path);
    const db = new Database(path);
    const { rootpage } = db
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_runs_1'")
      .get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = readFileSync(path);
    bytes.fill(0xff, (rootpage - 1) * pageSize, rootpage * pageSize);
    writeFileSync(path, bytes);
    const reader = openSpanReader(path);
    try {
      let failure: unknown;
      try {
        for (const _ of reader.spans()) void _;
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(FerretStoreError);
      expect((failure as Error).message).toContain(`${path}: cannot read`);
    } finally {
      reader.close();
    }
  });
});
