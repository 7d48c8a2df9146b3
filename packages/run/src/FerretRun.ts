import { assertTimerMs, type FileIdentity, fileChange, fileIdentity } from '@ferret/internal';
import { Profiler } from '@ferret/profiler';
import { type FerretStoreError, RunLog, SqliteSpanStore } from '@ferret/store-sqlite';
import { installFunctionsRuntime } from './functions/functionsRuntime.js';
import { installFunctions } from './functions/installFunctions.js';
import { OtelContextBridge } from './OtelContextBridge.js';
import { OtelLibraries } from './OtelLibraries.js';
import type { RunSettings } from './RunSettings.js';
import { runTagOf } from './runTag.js';

/** The signals after which the preload drains, closes and re-raises. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Longest wait for the drain at a stop before giving up (the run is then marked incomplete). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 3000;

const warned = new Set<string>();

/** One `ferret` warning per distinct `key` (default: the message) and process. */
export function warnOnce(message: string, key = message): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, { code: 'FERRET_RUN' });
}

/** The key of the one warning per process saying the database was deleted or replaced. */
const FILE_REPLACED = 'FILE_REPLACED';

/**
 * What the preload started in one process: one {@link Profiler} writing to a
 * {@link SqliteSpanStore}, library spans under the same budget into the same file, and the run's
 * metadata (this process, and the run's start and end when this process owns the run).
 *
 * When the database cannot be written, the profiler is disabled (every `measure()` passes
 * through) and one warning says why: the app runs as if Ferret were not there.
 */
export class FerretRun {
  readonly settings: RunSettings;
  readonly profiler: Profiler;
  readonly #store: SqliteSpanStore | undefined;
  readonly #libraries: OtelLibraries | undefined;
  readonly #log: RunLog | undefined;
  readonly #identity: FileIdentity | undefined;
  readonly #drainTimeoutMs: number;
  #stopping: Promise<void> | undefined;
  #closedCleanly = false;
  #endRecorded = false;

  private constructor(
    settings: RunSettings,
    profiler: Profiler,
    parts: {
      store?: SqliteSpanStore;
      libraries?: OtelLibraries;
      log?: RunLog;
      identity?: FileIdentity;
    },
    drainTimeoutMs: number,
  ) {
    this.settings = settings;
    this.profiler = profiler;
    this.#store = parts.store;
    this.#libraries = parts.libraries;
    this.#log = parts.log;
    this.#identity = parts.identity;
    this.#drainTimeoutMs = drainTimeoutMs;
  }

  /**
   * Starts profiling this process. Throws only for a `drainTimeoutMs` that is not a timer delay
   * (> 0, at most 2^31 − 1 ms); any other failure disables Ferret with one warning.
   */
  static start(settings: RunSettings, drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): FerretRun {
    assertTimerMs('drainTimeoutMs', drainTimeoutMs);
    const log = new RunLog(settings.db);
    const startedAt = Date.now();
    try {
      if (settings.ownsRun) {
        log.runStarted({ runId: settings.runId, command: commandLine(), startedAt });
      }
      log.processStarted({
        runId: settings.runId,
        pid: process.pid,
        nodeVersion: process.version,
        startedAt,
      });
    } catch (error) {
      warnOnce(`ferret: profiling is off: ${describe(error)}`);
      return new FerretRun(settings, new Profiler({ enabled: false }), {}, drainTimeoutMs);
    }
    // The file this process writes: at the end, a file deleted or replaced since is left alone.
    const identity = fileIdentity(settings.db);
    // Both stores (measure() blocks, library spans) report a deleted file: one warning.
    const onError = (error: FerretStoreError): void =>
      warnOnce(
        `ferret: ${error.message}`,
        error.code === FILE_REPLACED ? FILE_REPLACED : undefined,
      );
    let libraries: OtelLibraries | undefined;
    let store: SqliteSpanStore;
    try {
      store = new SqliteSpanStore({ path: settings.db, onError });
    } catch (error) {
      warnOnce(`ferret: profiling is off: ${describe(error)}`);
      return new FerretRun(settings, new Profiler({ enabled: false }), {}, drainTimeoutMs);
    }
    // Ferret's own slow start-up work (loading the instrumentations and the --functions parser,
    // registering module hooks) comes before the profiler: its stall watchdog starts watching
    // once that is done, so it never reports Ferret's start-up as a stall of the app.
    const warn = (message: string): void => warnOnce(`ferret: ${message}`);
    const loaded = settings.libs.length > 0 ? OtelLibraries.load(settings.libs, warn) : undefined;
    const functions =
      settings.functions !== undefined &&
      installFunctions({ glob: settings.functions, warn: warnOnce });
    let profiler: Profiler;
    try {
      profiler = new Profiler({
        maxSpansPerSecond: settings.budget,
        runId: settings.runId,
        sink: store,
        ...(settings.stallMs === undefined ? {} : { stallThresholdMs: settings.stallMs }),
        // Library spans and measure() blocks share traces only when libraries are instrumented.
        ...(settings.libs.length > 0
          ? {
              externalContext: new OtelContextBridge(runTagOf(settings.runId), (traceId) =>
                libraries?.rootNameOf(traceId),
              ),
            }
          : {}),
      });
    } catch (error) {
      // Instrumented functions keep calling straight through: no runtime is installed.
      if (loaded !== undefined) OtelLibraries.unload(loaded);
      void store.close().catch(() => {});
      warnOnce(`ferret: profiling is off: ${describe(error)}`);
      return new FerretRun(settings, new Profiler({ enabled: false }), {}, drainTimeoutMs);
    }
    if (loaded !== undefined) {
      try {
        libraries = OtelLibraries.start({
          profiler,
          db: settings.db,
          runId: settings.runId,
          loaded,
          ...(settings.serviceName === undefined ? {} : { serviceName: settings.serviceName }),
          onError,
        });
      } catch (error) {
        OtelLibraries.unload(loaded);
        warnOnce(`ferret: library spans are off: ${describe(error)}`);
      }
    }
    if (functions) installFunctionsRuntime(profiler);
    const run = new FerretRun(
      settings,
      profiler,
      { store, libraries, log, ...(identity === undefined ? {} : { identity }) },
      drainTimeoutMs,
    );
    run.#installHooks();
    return run;
  }

  /** True once a stop drained and closed everything in time. */
  get closedCleanly(): boolean {
    return this.#closedCleanly;
  }

  /**
   * Stops recording, drains the profiler's queue and the library spans into the database and
   * closes it, waiting at most the drain time-out. Idempotent; never rejects.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  /**
   * Records this process's end (and the run's, when it owns the run). Once; never throws. When
   * the database was deleted or replaced during the run, records nothing (one warning says so):
   * a new file would hold nothing but the end.
   */
  recordEnd(exitCode: number | null, exitSignal: string | null): void {
    if (this.#endRecorded || this.#log === undefined) return;
    this.#endRecorded = true;
    const change = this.#identity && fileChange(this.settings.db, this.#identity);
    if (change !== undefined) {
      warnOnce(
        `ferret: ${this.settings.db} was ${change === 'deleted' ? 'deleted' : 'replaced by another file'} during the run; its end is not recorded`,
        FILE_REPLACED,
      );
      return;
    }
    const endedAt = Date.now();
    try {
      this.#log.processEnded({
        runId: this.settings.runId,
        pid: process.pid,
        endedAt,
        closedCleanly: this.#closedCleanly,
      });
      if (this.settings.ownsRun) {
        this.#log.runEnded({ runId: this.settings.runId, endedAt, exitCode, exitSignal });
      }
    } catch (error) {
      warnOnce(`ferret: cannot record the end of the run: ${describe(error)}`);
    }
  }

  /** e.g. `FerretRun{runId="…", db="ferret.db", budget=100, libs=http,express, drainTimeoutMs=3000}`. */
  toString(): string {
    return `FerretRun{runId=${JSON.stringify(this.settings.runId)}, db=${JSON.stringify(this.settings.db)}, budget=${this.settings.budget}, libs=${this.#libraries?.instrumented.join(',') ?? 'none'}, drainTimeoutMs=${this.#drainTimeoutMs}}`;
  }

  async #drain(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#drainTimeoutMs);
    });
    const drained = (async () => {
      await Promise.all([this.profiler.close(), this.#libraries?.shutdown()]);
      return true;
    })();
    const clean = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    const store = this.#store;
    this.#closedCleanly = clean && (store === undefined || store.stats().pendingSpans === 0);
  }

  #installHooks(): void {
    // Registered after the profiler and store, so their own exit hooks (which hand the queue
    // over and wait for the commit) have run when this one checks what is left.
    process.on('beforeExit', () => {
      void this.stop();
    });
    process.on('exit', (code) => {
      if (this.#stopping === undefined) {
        this.#libraries?.flushSync();
        const profilerStats = this.profiler.stats();
        this.#closedCleanly =
          profilerStats.queued === 0 && (this.#store?.stats().pendingSpans ?? 0) === 0;
      }
      this.recordEnd(code, null);
    });
    for (const signal of STOP_SIGNALS) {
      const onSignal = (): void => {
        // Another listener means the app handles the signal itself (a graceful shutdown): leave
        // the exit to it; the exit hook still drains synchronously.
        if (process.listenerCount(signal) > 1) return;
        if (this.#stopping !== undefined) return;
        void this.stop().then(() => {
          this.recordEnd(null, signal);
          process.removeListener(signal, onSignal);
          // Re-raise with no listener left: the process ends as the signal would have ended it.
          process.kill(process.pid, signal);
        });
      };
      process.on(signal, onSignal);
    }
  }
}

function commandLine(): string {
  return [process.argv0, ...process.execArgv, ...process.argv.slice(1)].join(' ');
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
