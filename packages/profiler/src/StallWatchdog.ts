import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, Worker } from 'node:worker_threads';
import type { Span } from './Span.js';
import {
  BEAT,
  CURRENT,
  type FlushedMessage,
  type FlushRequest,
  SLOTS,
  STOP,
  type StallMessage,
  type StallWorkerData,
  WATCHING,
} from './stallProtocol.js';

/** Spans remembered for naming a stall: the most recent publications (a power of two). */
const RING_SIZE = 256;

/**
 * Longest wait of {@link StallWatchdog.flush} for a stack still being captured: past it the
 * stall is reported without one.
 */
export const STALL_FLUSH_STACK_WAIT_MS = 250;
/** Longest wait of {@link StallWatchdog.flush} for the watcher's answer (a stuck thread). */
export const STALL_FLUSH_TIMEOUT_MS = 1000;

/**
 * Test hooks, set before a watchdog is built. `holdStacks`: a stack capture never finishes on its
 * own, as when the main thread cannot be paused.
 * @internal
 */
export const stallWatchdogTestHooks = { holdStacks: false };

/** One stall of the event loop, as the watchdog reports it. */
export interface StallReport {
  /** Epoch milliseconds when the loop should have run its next timer. */
  startEpochMs: number;
  /** How long the loop was blocked, ms. */
  blockedMs: number;
  /** The recorded `measure()` span running when the stall was detected, if any. */
  span: Span | undefined;
  /** Frames of the JavaScript stack during the stall, innermost first, when captured. */
  stack: string[] | undefined;
}

/** Where a stall watchdog is: its thread booting, watching, failed, or stopped by `close()`. */
export type StallWatchdogState = 'starting' | 'watching' | 'failed' | 'stopped';

/** Options of {@link StallWatchdog}. @internal */
export interface StallWatchdogOptions {
  thresholdMs: number;
  captureStacks: boolean;
  onStall: (report: StallReport) => void;
  onError: (error: unknown) => void;
}

/**
 * Watches this thread's event loop from a worker thread. The loop's only work is a heartbeat: an
 * unref'd timer storing the time in a `SharedArrayBuffer` (one `Atomics.store`). The watcher
 * notices a heartbeat later than the threshold, notes the span published as current
 * ({@link enter}) and, on the main thread, asks the inspector for the stack; when the heartbeat
 * comes again it reports the stall ({@link StallReport}) to `onStall`. The worker is unref'd:
 * it never keeps the process alive.
 * @internal
 */
export class StallWatchdog {
  readonly thresholdMs: number;
  readonly heartbeatMs: number;
  readonly #state: Int32Array;
  readonly #worker: Worker;
  readonly #timer: NodeJS.Timeout;
  readonly #options: StallWatchdogOptions;
  readonly #ringSpans: (Span | undefined)[] = new Array(RING_SIZE).fill(undefined);
  readonly #ringSeqs = new Int32Array(RING_SIZE);
  /** `performance.now()` of the heartbeat's zero. */
  readonly #base: number;
  /** Answers awaited by {@link flush}, by request number. */
  readonly #flushes = new Map<number, () => void>();
  #flushSeq = 0;
  #seq = 0;
  #current = 0;
  #closed = false;
  #failed = false;

  /** @throws when the worker thread cannot be started. */
  constructor(options: StallWatchdogOptions) {
    this.#options = options;
    this.thresholdMs = options.thresholdMs;
    // Detection lags the stall by up to two heartbeats; a quarter of the threshold keeps that small.
    this.heartbeatMs = Math.max(1, Math.min(50, Math.floor(options.thresholdMs / 4)));
    const buffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const state = new Int32Array(buffer);
    this.#state = state;
    const base = performance.now();
    this.#base = base;
    const workerData: StallWorkerData = {
      state: buffer,
      thresholdMs: options.thresholdMs,
      heartbeatMs: this.heartbeatMs,
      baseEpochMs: performance.timeOrigin + base,
      // The inspector session of a worker reaches the main thread only.
      captureStacks: options.captureStacks && isMainThread,
      maxStackFrames: 32,
      stackTimeoutMs: Math.max(1000, options.thresholdMs),
      holdStacks: stallWatchdogTestHooks.holdStacks,
    };
    this.#worker = new Worker(watcherEntry(), { workerData, execArgv: [] });
    this.#worker.on('message', (message: StallMessage | FlushedMessage) => {
      if ('flushed' in message) this.#flushes.get(message.flushed)?.();
      else this.#onMessage(message);
    });
    this.#worker.on('error', (error) => {
      this.#failed = true;
      this.#endFlushes();
      options.onError(error);
    });
    this.#worker.on('exit', () => this.#endFlushes());
    // After the listeners: adding a 'message' listener refs the worker again.
    this.#worker.unref();
    this.#timer = setInterval(() => {
      Atomics.store(state, BEAT, (performance.now() - base) | 0);
    }, this.heartbeatMs);
    this.#timer.unref();
  }

  /** Where the watchdog is. A thread can take a while to boot: stalls before that go unseen. */
  get state(): StallWatchdogState {
    if (this.#closed) return 'stopped';
    if (this.#failed) return 'failed';
    return Atomics.load(this.#state, WATCHING) === 1 ? 'watching' : 'starting';
  }

  /**
   * Publishes `span` as the current span (what a stall detected now names) and returns the
   * previous publication, for {@link leave}.
   */
  enter(span: Span): number {
    const previous = this.#current;
    let seq = (this.#seq + 1) | 0;
    if (seq <= 0) seq = 1;
    this.#seq = seq;
    const slot = seq & (RING_SIZE - 1);
    this.#ringSpans[slot] = span;
    this.#ringSeqs[slot] = seq;
    this.#current = seq;
    Atomics.store(this.#state, CURRENT, seq);
    return previous;
  }

  /** Publishes again what {@link enter} returned. */
  leave(previous: number): void {
    this.#current = previous;
    Atomics.store(this.#state, CURRENT, previous);
  }

  /**
   * Has the watcher report every stall it holds: one that ended just now (a fresh heartbeat is
   * stored first, so a stall that ends in the task calling this is reported too) and one waiting
   * for its stack, which goes without it after {@link STALL_FLUSH_STACK_WAIT_MS}. Resolves once
   * those reports have reached `onStall`, or after {@link STALL_FLUSH_TIMEOUT_MS}; at once when
   * the watcher is not watching (booting, failed or closed). Never rejects.
   */
  flush(): Promise<void> {
    if (this.state !== 'watching') return Promise.resolve();
    Atomics.store(this.#state, BEAT, (performance.now() - this.#base) | 0);
    const id = ++this.#flushSeq;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timeout);
        this.#flushes.delete(id);
        resolve();
      };
      const timeout = setTimeout(done, STALL_FLUSH_TIMEOUT_MS);
      this.#flushes.set(id, done);
      const request: FlushRequest = { flush: id, waitMs: STALL_FLUSH_STACK_WAIT_MS };
      this.#worker.postMessage(request);
    });
  }

  /**
   * Stops the heartbeat and the watcher thread; reports arriving later are ignored. Returns at
   * once (a thread takes ~100 ms to terminate, which nobody needs to wait for): {@link flush}
   * first to keep a stall in flight. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    Atomics.store(this.#state, STOP, 1);
    this.#worker.terminate().catch(() => {});
    this.#endFlushes();
  }

  /** `StallWatchdog{thresholdMs=..., heartbeatMs=...}`. */
  toString(): string {
    return `StallWatchdog{thresholdMs=${this.thresholdMs}, heartbeatMs=${this.heartbeatMs}}`;
  }

  /** Ends every {@link flush} still waiting: the thread will not answer. */
  #endFlushes(): void {
    for (const done of [...this.#flushes.values()]) done();
  }

  #onMessage(message: StallMessage): void {
    if (this.#closed) return;
    const seq = message.spanSeq;
    const slot = seq & (RING_SIZE - 1);
    // A slot reused since the stall no longer holds that span: the stall names none.
    const span = seq !== 0 && this.#ringSeqs[slot] === seq ? this.#ringSpans[slot] : undefined;
    try {
      this.#options.onStall({
        startEpochMs: message.startEpochMs,
        blockedMs: message.blockedMs,
        span,
        stack: message.stack,
      });
    } catch (error) {
      this.#options.onError(error);
    }
  }
}

/** The watcher's file: next to this module in `dist/`, or in `dist/` when running from `src/`. */
function watcherEntry(): URL {
  const sibling = new URL('./stall.worker.js', import.meta.url);
  if (existsSync(sibling)) return sibling;
  return new URL('../dist/stall.worker.js', import.meta.url);
}
