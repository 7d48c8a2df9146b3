import type Database from 'better-sqlite3';
import { BUDGET } from './QueryBudget.js';
import { schemaVersionOf } from './schema.js';

/** What `ferret run` and its preload recorded about a run (schema version 2 and later). */
export interface RunMetadata {
  /** The command line, when a launcher recorded it. */
  command?: string;
  /** Epoch ms the run started, when recorded. */
  startedAt?: number;
  /** Epoch ms the run ended; absent while running, or when it was killed before recording it. */
  endedAt?: number;
  /** Exit code; null when it ended by a signal; absent when the end was not recorded. */
  exitCode?: number | null;
  /** The signal that ended it, or null; absent when the end was not recorded. */
  exitSignal?: string | null;
  /** Pids of the processes that wrote to the run, in start order. */
  pids: number[];
  /** Node versions of those processes (distinct). */
  nodeVersions: string[];
  /**
   * True when the run's end was recorded and every process of it drained and closed its store:
   * its counts are exact. False when the end or a process's clean close is missing (killed,
   * crashed, still running): counts and spans may be short of what happened.
   */
  complete: boolean;
}

interface MetadataRow {
  run_key: number;
  command: string | null;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  exit_signal: string | null;
}

interface ProcessRow {
  run_key: number;
  pid: number;
  node_version: string | null;
  closed_cleanly: number;
}

/**
 * Run metadata by run key, for runs that have any (a launcher's record or a process row). Empty
 * for databases of schema version 1, which have no metadata columns.
 */
export function readRunMetadata(db: Database.Database): Map<number, RunMetadata> {
  const byRun = new Map<number, RunMetadata>();
  if (schemaVersionOf(db) < 2) return byRun;
  const processes = db
    .prepare(
      `SELECT run_key, pid, node_version, closed_cleanly FROM run_processes WHERE ${BUDGET} ORDER BY started_at, rowid`,
    )
    .all() as ProcessRow[];
  const rows = db
    .prepare(
      `SELECT run_key, command, started_at, ended_at, exit_code, exit_signal FROM runs
       WHERE ${BUDGET} AND (started_at IS NOT NULL OR ended_at IS NOT NULL
          OR run_key IN (SELECT run_key FROM run_processes))`,
    )
    .all() as MetadataRow[];
  for (const row of rows) {
    const metadata: RunMetadata = { pids: [], nodeVersions: [], complete: row.ended_at !== null };
    if (typeof row.command === 'string') metadata.command = row.command;
    if (typeof row.started_at === 'number') metadata.startedAt = row.started_at;
    if (typeof row.ended_at === 'number') {
      metadata.endedAt = row.ended_at;
      metadata.exitCode = typeof row.exit_code === 'number' ? row.exit_code : null;
      metadata.exitSignal = typeof row.exit_signal === 'string' ? row.exit_signal : null;
    }
    byRun.set(row.run_key, metadata);
  }
  for (const process of processes) {
    const metadata = byRun.get(process.run_key);
    if (metadata === undefined) continue;
    if (typeof process.pid === 'number') metadata.pids.push(process.pid);
    const version = process.node_version;
    if (typeof version === 'string' && !metadata.nodeVersions.includes(version)) {
      metadata.nodeVersions.push(version);
    }
    if (process.closed_cleanly !== 1) metadata.complete = false;
  }
  return byRun;
}
