// One process 'beforeExit' and one 'exit' listener for every open store, however many there are.
// At 'exit' the event loop is gone, so each store waits synchronously (Atomics.wait) for its
// worker to commit what it was handed: the same trick pino's thread-stream uses. 'beforeExit'
// comes first on a natural end, while asynchronous work can still run, so stores flush there
// without blocking (and their replies, counters and error reports are still processed).

/** What a store registers for process exit. */
export interface ExitFlushTarget {
  /** `beforeExit`: start an asynchronous flush if anything is uncommitted. */
  flushBeforeExit(): void;
  /** `exit`: block until everything handed over is committed (bounded). */
  flushSync(): void;
}

const targets = new Set<ExitFlushTarget>();
let installed = false;

function onBeforeExit(): void {
  for (const target of targets) {
    try {
      target.flushBeforeExit();
    } catch {
      // A store that cannot flush has already reported through onError.
    }
  }
}

function onExit(): void {
  for (const target of targets) {
    try {
      target.flushSync();
    } catch {
      // Exit must go on; a store that cannot flush has already reported through onError.
    }
  }
}

/** Flushes `target` at process exit until {@link unregisterExitFlush} is called. */
export function registerExitFlush(target: ExitFlushTarget): void {
  targets.add(target);
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.on('exit', onExit);
  }
}

export function unregisterExitFlush(target: ExitFlushTarget): void {
  targets.delete(target);
  if (targets.size === 0 && installed) {
    installed = false;
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
  }
}
