/** What a component registers for process exit. */
export interface ExitFlushable {
  /** `beforeExit`: the loop is empty; start an asynchronous flush if anything is pending. */
  flushBeforeExit(): void;
  /** `exit`: only synchronous work runs now; hand over or commit everything pending. */
  flushAtExit(): void;
}

/**
 * One `beforeExit` and one `exit` listener for every registered component of this package
 * (so that many profilers or stores never trip `MaxListenersExceededWarning`), added with the
 * first registration and removed with the last. It holds weak references: a component dropped
 * without `close()` can still be garbage-collected, and its entry goes with it. Targets run in
 * registration order; one that throws does not stop the others.
 */
export class ProcessExitRegistry {
  readonly #refs = new Set<WeakRef<ExitFlushable>>();
  readonly #byTarget = new WeakMap<ExitFlushable, WeakRef<ExitFlushable>>();
  readonly #finalizer = new FinalizationRegistry<WeakRef<ExitFlushable>>((ref) =>
    this.#remove(ref),
  );
  readonly #onBeforeExit = (): void => this.#run('flushBeforeExit');
  readonly #onExit = (): void => this.#run('flushAtExit');

  /** Flushes `target` at process exit until {@link unregister}. Registering twice is a no-op. */
  register(target: ExitFlushable): void {
    if (this.#byTarget.has(target)) return;
    const ref = new WeakRef(target);
    this.#byTarget.set(target, ref);
    this.#finalizer.register(target, ref, ref);
    if (this.#refs.size === 0) {
      process.on('beforeExit', this.#onBeforeExit);
      process.on('exit', this.#onExit);
    }
    this.#refs.add(ref);
  }

  /** Stops flushing `target` at exit; removes the listeners with the last target. */
  unregister(target: ExitFlushable): void {
    const ref = this.#byTarget.get(target);
    if (ref === undefined) return;
    this.#byTarget.delete(target);
    this.#finalizer.unregister(ref);
    this.#remove(ref);
  }

  /** Targets currently registered (collected ones leave at the next finalization or exit run). */
  get size(): number {
    return this.#refs.size;
  }

  /** `ProcessExitRegistry{registered=...}`. */
  toString(): string {
    return `ProcessExitRegistry{registered=${this.#refs.size}}`;
  }

  #remove(ref: WeakRef<ExitFlushable>): void {
    if (!this.#refs.delete(ref)) return;
    if (this.#refs.size === 0) {
      process.removeListener('beforeExit', this.#onBeforeExit);
      process.removeListener('exit', this.#onExit);
    }
  }

  #run(method: keyof ExitFlushable): void {
    for (const ref of [...this.#refs]) {
      const target = ref.deref();
      if (target === undefined) {
        this.#remove(ref);
        continue;
      }
      try {
        target[method]();
      } catch {
        // Exit must go on; a component that cannot flush reports through its own onError.
      }
    }
  }
}
