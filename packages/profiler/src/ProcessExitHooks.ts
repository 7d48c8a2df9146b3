/** What {@link ProcessExitHooks} asks of a registered profiler. */
export interface ExitFlushable {
  /** `beforeExit`: the loop is empty; start an asynchronous flush if anything is pending. */
  flushBeforeExit(): void;
  /** `exit`: only synchronous work runs now; hand everything pending to the sink. */
  flushAtExit(): void;
}

const registered = new Set<ExitFlushable>();

function onBeforeExit(): void {
  for (const target of registered) target.flushBeforeExit();
}

function onExit(): void {
  for (const target of registered) target.flushAtExit();
}

/**
 * One `beforeExit` and one `exit` listener for all profilers of the process (so that many
 * profilers never trip `MaxListenersExceededWarning`), added with the first registration and
 * removed with the last.
 * @internal
 */
export class ProcessExitHooks {
  static register(target: ExitFlushable): void {
    if (registered.size === 0) {
      process.on('beforeExit', onBeforeExit);
      process.on('exit', onExit);
    }
    registered.add(target);
  }

  static unregister(target: ExitFlushable): void {
    if (!registered.delete(target)) return;
    if (registered.size === 0) {
      process.removeListener('beforeExit', onBeforeExit);
      process.removeListener('exit', onExit);
    }
  }

  /** Profilers currently registered (for tests and diagnostics). */
  static get size(): number {
    return registered.size;
  }
}
