import { existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  assertKnownOptions,
  assertOptionsObject,
  optionKeys,
  reportError,
  WarnOnce,
} from '@ferret/internal';
import sonicBoom, { type SonicBoom as SonicBoomStream } from 'sonic-boom';
import type { CountRecord, SpanRecord } from './SpanRecord.js';
import type { SinkStats, SpanSink } from './SpanSink.js';

// sonic-boom is CommonJS: its module object is the class, with itself as the `SonicBoom` property.
const { SonicBoom } = sonicBoom;

/** Options of {@link JsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** A file path (appended to, directories created) or a file descriptor. Default 1 (stdout). */
  destination?: string | number;
  /**
   * Most bytes waiting for the file system; a batch that would go beyond is dropped and counted
   * (a slow disk never grows memory without bound). Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** Called with write failures. Default: one `process.emitWarning`. */
  onError?: (error: Error) => void;
}

/** Every key of {@link JsonLinesSinkOptions}: any other key is refused (a misspelt option). */
const JSON_LINES_SINK_OPTION_KEYS = optionKeys<JsonLinesSinkOptions>({
  destination: true,
  maxBufferedBytes: true,
  onError: true,
});

/** What {@link JsonLinesSink.stats} returns: counters since construction. */
export interface JsonLinesSinkStats extends SinkStats {
  /** Span records the file system took (the bytes were written to the descriptor). */
  storedSpans: number;
  /** Span records dropped: buffer full, destination failed before they were written, or after close. */
  lostSpans: number;
  /** Count records lost the same ways. */
  lostCounts: number;
  /** Open and write errors seen. */
  errors: number;
}

/** Records appended to the stream, waiting for the file system to take bytes up to `end`. */
interface PendingWrite {
  /** Offset just past this batch's last byte, counted from the first byte appended. */
  end: number;
  spans: number;
  counts: number;
}

/**
 * Writes one JSON object per line: spans as `{"type":"span", ...SpanRecord}`, counts as
 * `{"type":"count", ...CountRecord}`. Asynchronous and non-blocking (pino's `sonic-boom`
 * underneath): `write()` only serialises and appends to a buffer. It never throws or rejects
 * into the caller: failures are counted, reported to `onError`, and later batches are dropped
 * once the destination failed. At process exit the profiler calls {@link flushSync}.
 */
export class JsonLinesSink implements SpanSink {
  readonly #stream: SonicBoomStream | undefined;
  /** We opened the file, so close() closes it; a descriptor passed in stays open. */
  readonly #ownsFd: boolean;
  readonly #maxBufferedBytes: number;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #destination: string | number;
  #buffered = 0;
  #failed: Error | undefined;
  readonly #warnings = new WarnOnce();
  #closed = false;
  /** Batches appended but not yet taken by the file system, oldest first. */
  #pending: PendingWrite[] = [];
  #appendedBytes = 0;
  #writtenBytes = 0;
  #storedSpans = 0;
  #lostSpans = 0;
  #lostCounts = 0;
  #errors = 0;

  constructor(options: JsonLinesSinkOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('JsonLinesSink', options, JSON_LINES_SINK_OPTION_KEYS);
    const destination = options.destination ?? 1;
    if (
      !(typeof destination === 'string' && destination.length > 0) &&
      !(typeof destination === 'number' && Number.isSafeInteger(destination) && destination >= 0)
    ) {
      throw new TypeError(
        `Expected \`destination\` to be a file path or a file descriptor, got ${typeof destination}`,
      );
    }
    const maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    if (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1) {
      throw new RangeError(
        `Expected \`maxBufferedBytes\` to be a whole number >= 1, got ${String(maxBufferedBytes)}`,
      );
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError(`Expected \`onError\` to be a function, got ${typeof options.onError}`);
    }
    this.#destination = destination;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#onError = options.onError;
    let fd = typeof destination === 'number' ? destination : -1;
    this.#ownsFd = typeof destination === 'string';
    if (typeof destination === 'string') {
      // Opened synchronously, once, at construction, so that the exit-time flushSync() always has
      // a descriptor; every write after this is asynchronous.
      try {
        makeDirectories(dirname(destination));
        fd = openSync(destination, 'a');
      } catch (error) {
        this.#fail(error as Error); // reported, not thrown: a bad path must not stop the service
      }
    }
    if (fd >= 0) {
      const stream = new SonicBoom({ fd, sync: false });
      stream.on('error', (error: Error) => this.#fail(error));
      stream.on('write', (bytes: number) => this.#written(bytes));
      this.#stream = stream;
    }
  }

  /** Serialises the batch and queues it for writing. */
  write(spans: readonly SpanRecord[]): void {
    if (spans.length === 0) return;
    if (this.#failed !== undefined || this.#closed) {
      this.#lostSpans += spans.length;
      return;
    }
    let text = '';
    for (const span of spans) text += tagged('span', span);
    if (!this.#append(text, spans.length, 0)) this.#lostSpans += spans.length;
  }

  /** Serialises the count records and queues them for writing. */
  writeCounts(counts: readonly CountRecord[]): void {
    if (counts.length === 0) return;
    if (this.#failed !== undefined || this.#closed) {
      this.#lostCounts += counts.length;
      return;
    }
    let text = '';
    for (const count of counts) text += tagged('count', count);
    if (!this.#append(text, 0, counts.length)) this.#lostCounts += counts.length;
  }

  /** Counters since construction: a snapshot, safe to keep. */
  stats(): JsonLinesSinkStats {
    return {
      storedSpans: this.#storedSpans,
      lostSpans: this.#lostSpans,
      lostCounts: this.#lostCounts,
      errors: this.#errors,
    };
  }

  /** Resolves once everything queued so far reached the file system. Never rejects. */
  flush(): Promise<void> {
    const stream = this.#stream;
    if (
      stream === undefined ||
      this.#failed !== undefined ||
      this.#closed ||
      this.#buffered === 0
    ) {
      return Promise.resolve();
    }
    // sonic-boom's own flush(cb) calls back at once when minLength is 0: wait for 'drain' (the
    // buffer written out) instead.
    return new Promise((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('error', done);
    });
  }

  /** Writes everything buffered synchronously (for `process.on('exit')`). Never throws. */
  flushSync(): void {
    if (this.#stream === undefined || this.#failed !== undefined || this.#closed) return;
    try {
      this.#stream.flushSync();
      this.#written(this.#appendedBytes - this.#writtenBytes);
    } catch (error) {
      // "not ready yet" (the file is still opening) is expected at a very early exit.
      this.#fail(error as Error);
    }
  }

  /** Flushes and closes the destination (a descriptor passed in, such as stdout, stays open). Never rejects. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = this.flush();
    this.#closed = true;
    return done.then(() => {
      const stream = this.#stream;
      if (stream === undefined || !this.#ownsFd || this.#failed !== undefined) return;
      return new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        try {
          stream.end();
        } catch {
          resolve();
        }
      });
    });
  }

  /** `JsonLinesSink{destination=..., maxBufferedBytes=...}`. */
  toString(): string {
    return `JsonLinesSink{destination=${String(this.#destination)}, maxBufferedBytes=${this.#maxBufferedBytes}}`;
  }

  #append(text: string, spans: number, counts: number): boolean {
    const bytes = Buffer.byteLength(text);
    if (this.#buffered + bytes > this.#maxBufferedBytes) return false;
    try {
      this.#stream!.write(text);
      this.#buffered += bytes;
      this.#appendedBytes += bytes;
      this.#pending.push({ end: this.#appendedBytes, spans, counts });
      return true;
    } catch (error) {
      this.#fail(error as Error);
      return false;
    }
  }

  /** The file system took `bytes` more: the batches they complete are stored. */
  #written(bytes: number): void {
    this.#buffered = Math.max(0, this.#buffered - bytes);
    this.#writtenBytes = Math.min(this.#appendedBytes, this.#writtenBytes + bytes);
    const pending = this.#pending;
    let done = 0;
    while (done < pending.length && pending[done]!.end <= this.#writtenBytes) {
      this.#storedSpans += pending[done]!.spans;
      done++;
    }
    if (done > 0) pending.splice(0, done);
  }

  #fail(error: Error): void {
    this.#errors++;
    this.#failed ??= error;
    // What the file system had not taken yet is lost: later writes are dropped.
    for (const batch of this.#pending) {
      this.#lostSpans += batch.spans;
      this.#lostCounts += batch.counts;
    }
    this.#pending = [];
    this.#writtenBytes = this.#appendedBytes;
    reportError(
      error,
      this.#onError,
      this.#warnings,
      'failed',
      'FERRET_JSONL_SINK',
      `JsonLinesSink: ${error.message}; later records are dropped`,
    );
  }
}

/** One line: the record's JSON with `"type"` first. */
function tagged(type: 'span' | 'count', record: object): string {
  const json = JSON.stringify(record);
  return json.length > 2 ? `{"type":"${type}",${json.slice(1)}\n` : `{"type":"${type}"}\n`;
}

/**
 * `mkdir -p` that walks up at most once per path component. Node's recursive `mkdirSync` loops
 * forever under the proc file system (its `mkdir` answers ENOENT for an existing parent).
 */
function makeDirectories(directory: string): void {
  const missing: string[] = [];
  let current = resolve(directory);
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]!);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
