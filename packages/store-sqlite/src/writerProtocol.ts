// Messages between SqliteSpanStore (main thread) and its writer worker.
import type { MessagePort } from 'node:worker_threads';
import type { CountRecord } from '@ferret/profiler';
import type { SpanBatch } from './spanBatch.js';

export interface WriterWorkerData {
  path: string;
  busyTimeoutMs: number;
  /**
   * Int32 slots shared with the owner: [HANDLED_SEQ] is the sequence number of the last batch the
   * worker finished (committed or refused), so the owner can wait for it synchronously at exit.
   */
  progress: SharedArrayBuffer;
  /**
   * Where the worker posts its {@link FromWriter} replies. Not `parentPort`: the owner reads this
   * port synchronously (`receiveMessageOnPort`) in `flushSync()`, when the event loop may never
   * run again.
   */
  replies: MessagePort;
}

export const HANDLED_SEQ = 0;

export type ToWriter =
  | { kind: 'spans'; seq: number; batch: SpanBatch }
  | { kind: 'counts'; seq: number; records: readonly CountRecord[] }
  | { kind: 'close' };

export type FromWriter =
  | { kind: 'open-failed'; code: string; message: string }
  | {
      kind: 'done';
      seq: number;
      records: number;
      written: number;
      rejected: number;
      problem?: string | undefined;
      /** Set when the whole batch was lost (the transaction failed). */
      failure?: string | undefined;
      /** The FerretStoreError code of `failure`, when the writer threw one. */
      failureCode?: string | undefined;
    }
  | { kind: 'closed' };
