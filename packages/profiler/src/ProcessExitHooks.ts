/** What {@link ProcessExitHooks} asks of a registered profiler. */
export interface ExitFlushable {
  /** `beforeExit`: the loop is empty; start an asynchronous flush if anything is pending. */
  flushBeforeExit(): void;
  /** `exit`: only synchronous work runs now; hand everything pending to the sink. */
  flushAtExit(): void;
}

/**
 * One `beforeExit` and one `exit` listener for all profilers of the process (so that many
 * profilers never trip `MaxListenersExceededWarning`), added with the first registration and
 * removed with the last. Use the shared {@link processExitHooks}.
 * @internal
 */
export class ProcessExitHooks {
  readonly #registered = new Set<ExitFlushable>();
  readonly #onBeforeExit = (): void => {
    for (const target of this.#registered) target.flushBeforeExit();
  };
  readonly #onExit = (): void => {
    for (const target of this.#registered) target.flushAtExit();
  };

  register(target: ExitFlushable): void {
    if (this.#registered.size === 0) {
      process.on('beforeExit', this.#onBeforeExit);
      process.on('exit', this.#onExit);
    }
    this.#registered.add(target);
  }

  unregister(target: ExitFlushable): void {
    if (!this.#registered.delete(target)) return;
    if (this.#registered.size === 0) {
      process.removeListener('beforeExit', this.#onBeforeExit);
      process.removeListener('exit', this.#onExit);
    }
  }

  /** Profilers currently registered. */
  get size(): number {
    return this.#registered.size;
  }

  /** `ProcessExitHooks{registered=...}`. */
  toString(): string {
    return `ProcessExitHooks{registered=${this.#registered.size}}`;
  }
}

/** The process-wide instance. @internal */
export const processExitHooks = new ProcessExitHooks();
