import type BetterSqlite3 from 'better-sqlite3';

/**
 * `PRAGMA application_id` of every Ferret database: the bytes `FRRT`. SQLite keeps it at offset 68
 * of the file header, so a file can be recognised from its first 100 bytes without opening it.
 */
export const FERRET_APPLICATION_ID = 0x46525254;

/** The schema version this package writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

/**
 * Forward migrations: `MIGRATIONS[v]` takes a database from version `v` to `v + 1`. Version 0 is an
 * empty file. A migration runs inside the caller's `BEGIN IMMEDIATE` transaction, so concurrent
 * writers never see a half-migrated file.
 *
 * Indexes are chosen for the reader and nothing else, because each one is paid on every insert:
 * - `spans_by_run_start (run_key, start_time)`: every reader query is scoped to one run, and
 *   `spans()` streams in start order. Start times grow almost monotonically, so this index is
 *   appended to, not scattered (cheap).
 * - no index on `trace_id`: random 128-bit keys scatter inserts over the whole index and halved
 *   ingest in measurements. Trace lookups instead scan one run (bounded memory, see the reader).
 * - `counts_by_run (run_key)`: count records are few; summaries read one run's worth.
 *
 * Version 2 adds run metadata (written by `ferret run` and its preload, see `runLog.ts`): the
 * run's command, start/end and exit status on `runs`, and one `run_processes` row per process
 * that wrote to the run (pid, Node version, whether it closed cleanly). Runs written without
 * them keep NULLs there: the reader reports their completeness as unknown.
 */
export const MIGRATIONS: ReadonlyArray<(db: BetterSqlite3.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE runs (
        run_key     INTEGER PRIMARY KEY,
        run_id      TEXT    NOT NULL UNIQUE,
        service_name TEXT,
        first_start REAL,
        last_end    REAL,
        span_count  INTEGER NOT NULL DEFAULT 0,
        dropped     INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE spans (
        run_key            INTEGER NOT NULL,
        trace_id           TEXT    NOT NULL,
        span_id            TEXT    NOT NULL,
        parent_span_id     TEXT,
        is_root            INTEGER NOT NULL,
        name               TEXT    NOT NULL,
        start_time         REAL    NOT NULL,
        duration           REAL    NOT NULL,
        status             INTEGER NOT NULL,
        attributes         TEXT,
        events             TEXT,
        kind               TEXT,
        service_name       TEXT,
        weight             REAL    NOT NULL,
        truncated_children INTEGER,
        pid                INTEGER NOT NULL,
        thread_id          INTEGER NOT NULL
      );
      CREATE INDEX spans_by_run_start ON spans (run_key, start_time);
      CREATE TABLE counts (
        run_key        INTEGER NOT NULL,
        name           TEXT    NOT NULL,
        calls          INTEGER NOT NULL,
        recorded       INTEGER NOT NULL,
        dropped        INTEGER NOT NULL,
        interval_start REAL    NOT NULL,
        interval_end   REAL    NOT NULL
      );
      CREATE INDEX counts_by_run ON counts (run_key);
    `);
  },
  (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN command     TEXT;
      ALTER TABLE runs ADD COLUMN started_at  REAL;
      ALTER TABLE runs ADD COLUMN ended_at    REAL;
      ALTER TABLE runs ADD COLUMN exit_code   INTEGER;
      ALTER TABLE runs ADD COLUMN exit_signal TEXT;
      CREATE TABLE run_processes (
        run_key        INTEGER NOT NULL,
        pid            INTEGER NOT NULL,
        node_version   TEXT,
        started_at     REAL    NOT NULL,
        ended_at       REAL,
        closed_cleanly INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX run_processes_by_run ON run_processes (run_key);
    `);
  },
];

/** Connection settings every writer applies (per connection, not stored in the file). */
export function applyWriterPragmas(db: BetterSqlite3.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash; only a power loss can
  // roll back the last few commits. That is the durability a profiler needs, at far less fsync.
  db.pragma('synchronous = NORMAL');
}

/** Reads `PRAGMA user_version`. */
export function schemaVersionOf(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Reads `PRAGMA application_id`. */
export function applicationIdOf(db: BetterSqlite3.Database): number {
  return db.pragma('application_id', { simple: true }) as number;
}

/**
 * Brings a writable database up to {@link SCHEMA_VERSION} inside one immediate transaction.
 * Returns the version found before migrating. The caller has already refused newer files; the
 * check is repeated here because another process may have migrated the file in between.
 */
export function migrate(db: BetterSqlite3.Database): number {
  let found = 0;
  db.transaction(() => {
    found = schemaVersionOf(db);
    if (found > SCHEMA_VERSION) return;
    if (found === 0) db.pragma(`application_id = ${FERRET_APPLICATION_ID}`);
    for (let v = found; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
    if (found !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return found;
}
