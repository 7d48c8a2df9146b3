// One process 'exit' listener for every open store, however many there are. At 'exit' the event
// loop is gone, so each store waits synchronously (Atomics.wait) for its worker to commit what it
// was handed: the same trick pino's thread-stream uses.

const pending = new Set<() => void>();
let installed = false;

function flushAll(): void {
  for (const flushSync of pending) {
    try {
      flushSync();
    } catch {
      // Exit must go on; a store that cannot flush has already reported through onError.
    }
  }
}

/** Runs `flushSync` at normal process exit until {@link unregisterExitFlush} is called. */
export function registerExitFlush(flushSync: () => void): void {
  pending.add(flushSync);
  if (!installed) {
    installed = true;
    process.on('exit', flushAll);
  }
}

export function unregisterExitFlush(flushSync: () => void): void {
  pending.delete(flushSync);
}
