import {
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  optionKeys,
} from '@ferret/internal';
import type Database from 'better-sqlite3';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { SpanWriter } from './SpanWriter.js';

/** The start of a run, as the process that owns it (`ferret run`, or the first preloaded process) saw it. */
export interface RunStartRecord {
  runId: string;
  /** The command line, as typed (arguments joined by spaces). */
  command: string;
  /** Epoch ms. */
  startedAt: number;
}

/** The end of a run. */
export interface RunEndRecord {
  runId: string;
  /** Epoch ms. */
  endedAt: number;
  /** The exit code, or null when the run ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the run (`'SIGINT'`), or null. */
  exitSignal: string | null;
}

/** One process that writes spans to a run. */
export interface ProcessStartRecord {
  runId: string;
  pid: number;
  /** `process.version`. */
  nodeVersion: string;
  /** Epoch ms. */
  startedAt: number;
}

/** The end of one process of a run. */
export interface ProcessEndRecord {
  runId: string;
  pid: number;
  /** Epoch ms. */
  endedAt: number;
  /** True when the process drained and closed its store (so its counts are exact). */
  closedCleanly: boolean;
}

/** Options for {@link RunLog}. */
export interface RunLogOptions {
  /** How long a write waits for another writer's lock (`PRAGMA busy_timeout`). Default 2000. */
  busyTimeoutMs?: number;
}

/** Every key of {@link RunLogOptions}: any other key is refused (a misspelt option). */
const RUN_LOG_OPTION_KEYS = optionKeys<RunLogOptions>({
  busyTimeoutMs: true,
});

/**
 * Writes run metadata (command, start and end, exit status, the processes and whether each
 * closed cleanly) into a Ferret database, so readers can tell a complete run from one that was
 * killed. Each call opens the file (creating it when missing), commits one transaction and closes
 * it again: calls are rare (a process's start and end) and must work in an `exit` handler, so they
 * are synchronous and hold no connection in between.
 *
 * @example
 * ```ts
 * const log = new RunLog('ferret.db');
 * log.runStarted({ runId, command: 'node app.js', startedAt: Date.now() });
 * ```
 */
export class RunLog {
  /** The database path. */
  readonly path: string;
  readonly #busyTimeoutMs: number;

  /** @throws TypeError/RangeError for a malformed path or option. */
  constructor(path: string, options: RunLogOptions = {}) {
    if (typeof path !== 'string' || path.length === 0 || path === ':memory:') {
      throw new TypeError(
        `Expected \`path\` to be a database file path, got ${typeof path === 'string' ? JSON.stringify(path) : typeof path}`,
      );
    }
    assertOptionsObject('options', options);
    assertKnownOptions('RunLog', options, RUN_LOG_OPTION_KEYS);
    const { busyTimeoutMs = 2_000 } = options;
    assertTimerMs('busyTimeoutMs', busyTimeoutMs, { allowZero: true, integer: true });
    this.path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /**
   * Records the run's command and start. A run started twice keeps its first start and command.
   * @throws FerretStoreError when the file cannot be opened or written.
   */
  runStarted(record: RunStartRecord): void {
    this.#write((db) => {
      db.prepare(
        `INSERT INTO runs (run_id, command, started_at) VALUES (?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET
           command = coalesce(command, excluded.command),
           started_at = coalesce(started_at, excluded.started_at)`,
      ).run(record.runId, record.command, record.startedAt);
    });
  }

  /**
   * Records how the run ended.
   * @throws FerretStoreError when the file cannot be opened or written.
   */
  runEnded(record: RunEndRecord): void {
    this.#write((db) => {
      db.prepare(
        `INSERT INTO runs (run_id, ended_at, exit_code, exit_signal) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET
           ended_at = excluded.ended_at, exit_code = excluded.exit_code, exit_signal = excluded.exit_signal`,
      ).run(record.runId, record.endedAt, record.exitCode, record.exitSignal);
    });
  }

  /**
   * Records that a process started writing to the run (not yet closed cleanly).
   * @throws FerretStoreError when the file cannot be opened or written.
   */
  processStarted(record: ProcessStartRecord): void {
    this.#write((db) => {
      const runKey = runKeyOf(db, record.runId);
      db.prepare(
        'INSERT INTO run_processes (run_key, pid, node_version, started_at) VALUES (?, ?, ?, ?)',
      ).run(runKey, record.pid, record.nodeVersion, record.startedAt);
    });
  }

  /**
   * Records that a process ended, and whether it drained and closed its store first.
   * @throws FerretStoreError when the file cannot be opened or written.
   */
  processEnded(record: ProcessEndRecord): void {
    this.#write((db) => {
      const runKey = runKeyOf(db, record.runId);
      db.prepare(
        `UPDATE run_processes SET ended_at = ?, closed_cleanly = ?
         WHERE rowid = (SELECT max(rowid) FROM run_processes WHERE run_key = ? AND pid = ?)`,
      ).run(record.endedAt, record.closedCleanly ? 1 : 0, runKey, record.pid);
    });
  }

  /** e.g. `RunLog{path="ferret.db", busyTimeoutMs=2000}`. */
  toString(): string {
    return `RunLog{path=${JSON.stringify(this.path)}, busyTimeoutMs=${this.#busyTimeoutMs}}`;
  }

  #write(work: (db: Database.Database) => void): void {
    let writer: SpanWriter | undefined;
    try {
      writer = new SpanWriter(this.path, { busyTimeoutMs: this.#busyTimeoutMs });
      const db = writer.database;
      db.transaction(() => work(db)).immediate();
    } catch (error) {
      if (error instanceof FerretStoreError) throw error;
      throw new FerretStoreError(
        'WRITE_FAILED',
        `${this.path}: cannot record run metadata (${describeError(error)})`,
        { cause: error },
      );
    } finally {
      writer?.close();
    }
  }
}

function runKeyOf(db: Database.Database, runId: string): number {
  return db
    .prepare(
      `INSERT INTO runs (run_id) VALUES (?)
       ON CONFLICT (run_id) DO UPDATE SET run_id = run_id RETURNING run_key`,
    )
    .pluck()
    .get(runId) as number;
}
