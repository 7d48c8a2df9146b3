import { randomUUID } from 'node:crypto';
import {
  assertKnownOptions,
  assertOptionsObject,
  assertTextOption,
  MAX_RUN_ID_LENGTH,
  runTagOf,
} from '@ferret/internal';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { BrokenSpanError, otelSpanRecord } from './otelSpanRecord.js';
import { SqliteSpanStore } from './SqliteSpanStore.js';
import { type SqliteSpanStoreOptions, STORE_OPTION_KEYS } from './SqliteSpanStoreOptions.js';
import type { StoredSpanRecord } from './spanRow.js';

/** `ExportResultCode` values of @opentelemetry/core (not imported: it is an optional peer). */
const SUCCESS = 0;
const FAILED = 1;

/** Options for {@link SqliteSpanExporter}: those of {@link SqliteSpanStore}, plus `runId`. */
export interface SqliteSpanExporterOptions extends SqliteSpanStoreOptions {
  /**
   * The run the spans belong to. Default: the resource's `service.instance.id`, else an id
   * generated once per exporter (`randomUUID()`). With it, a span whose remote parent's
   * tracestate carries this run's tag (`ferret=…;r:<tag>`, written by `ferret run`'s sampler in
   * every process of the run) is stored as a child of that parent, not as the root of a local
   * trace: the trace was decided and counted by the run itself (an app calling itself, two
   * processes of one `ferret run`).
   */
  runId?: string;
}

/**
 * An OpenTelemetry JS `SpanExporter` (sdk-trace-base v2) writing into a Ferret database, in the
 * same tables as {@link SqliteSpanStore}, so `openSpanReader` and the CLI read OpenTelemetry
 * traces too. Use it with a `BatchSpanProcessor`. Writes go through a {@link SqliteSpanStore}
 * (a worker thread for files).
 *
 * A broken span (malformed ids or times, an attribute value that is not an OpenTelemetry
 * attribute value) is skipped: the rest of the batch is stored and the export result is
 * `FAILED` with an error naming how many spans were skipped and why. The exporter never throws.
 *
 * @example
 * ```ts
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new BatchSpanProcessor(new SqliteSpanExporter({ path: 'ferret.db' }))],
 * });
 * ```
 */
export class SqliteSpanExporter implements SpanExporter {
  readonly #store: SqliteSpanStore;
  readonly #runId: string | undefined;
  readonly #runTag: string | undefined;
  readonly #generatedRunId = randomUUID();
  #shutdown = false;

  /**
   * @throws TypeError/RangeError for invalid options; FerretStoreError when `path` is an existing
   *   file that is not a Ferret database (the file is left untouched).
   */
  constructor(options: SqliteSpanExporterOptions) {
    assertOptionsObject('options', options);
    assertKnownOptions('SqliteSpanExporter', options, [...STORE_OPTION_KEYS, 'runId']);
    const { runId, ...storeOptions } = options ?? ({} as SqliteSpanExporterOptions);
    if (runId !== undefined) assertTextOption('runId', runId, MAX_RUN_ID_LENGTH);
    this.#runId = runId;
    this.#runTag = runId === undefined ? undefined : runTagOf(runId);
    this.#store = new SqliteSpanStore(options === undefined ? options : storeOptions);
  }

  /** The store the exporter writes through (for its counters). */
  get store(): SqliteSpanStore {
    return this.#store;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({
        code: FAILED,
        error: new FerretStoreError('DROPPED', 'SqliteSpanExporter is shut down'),
      });
      return;
    }
    const records: StoredSpanRecord[] = [];
    let skipped = 0;
    let firstProblem = '';
    for (const span of spans) {
      try {
        const record = otelSpanRecord(span, this.#runId, this.#runTag);
        if (record.runId === '') record.runId = this.#generatedRunId;
        records.push(record);
      } catch (error) {
        skipped++;
        firstProblem ||=
          error instanceof BrokenSpanError
            ? error.message
            : `malformed span (${describeError(error)})`;
      }
    }
    const before = this.#store.stats();
    this.#store.write(records);
    this.#store.flush().then(() => {
      // BatchSpanProcessor exports one batch at a time, so the counters' growth is this batch's.
      const after = this.#store.stats();
      const lost = after.dropped - before.dropped + (after.rejected - before.rejected);
      if (skipped === 0 && lost === 0) {
        resultCallback({ code: SUCCESS });
        return;
      }
      const parts: string[] = [];
      if (skipped > 0) parts.push(`skipped ${skipped} of ${spans.length} spans: ${firstProblem}`);
      if (lost > 0) parts.push(`the store did not keep ${lost} spans (reported through onError)`);
      resultCallback({
        code: FAILED,
        error: new FerretStoreError(
          skipped > 0 ? 'INVALID_ARGUMENT' : 'DROPPED',
          `SqliteSpanExporter ${parts.join('; ')}`,
        ),
      });
    });
  }

  /** Waits until every exported span is committed. */
  forceFlush(): Promise<void> {
    return this.#store.flush();
  }

  /** Commits what was exported and closes the database. */
  shutdown(): Promise<void> {
    this.#shutdown = true;
    return this.#store.close();
  }

  /** e.g. `SqliteSpanExporter{path="ferret.db", runId=from resource}`. */
  toString(): string {
    return `SqliteSpanExporter{path=${JSON.stringify(this.#store.path)}, runId=${this.#runId === undefined ? 'from resource' : JSON.stringify(this.#runId)}}`;
  }
}
