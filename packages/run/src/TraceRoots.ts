/** Most traces whose root name is remembered. */
const MAX_REMEMBERED_ROOTS = 4096;

/**
 * The name each recently sampled OpenTelemetry trace's local root was admitted under, by trace
 * id: the sampler writes it, and both the sampler (for library child spans) and the context
 * bridge (for `measure()` blocks joining the trace) read it, so a trace's children are charged
 * to its root name's fair share, like `measure()` children. Bounded: past 4,096 traces the
 * memory starts over (children of a forgotten trace are charged to the global bucket only).
 */
export class TraceRoots {
  readonly #names = new Map<string, string>();

  remember(traceId: string, rootName: string): void {
    if (this.#names.size >= MAX_REMEMBERED_ROOTS) this.#names.clear();
    this.#names.set(traceId, rootName);
  }

  /** The root name of `traceId`'s trace, when remembered. */
  rootNameOf(traceId: string): string | undefined {
    return this.#names.get(traceId);
  }

  toString(): string {
    return `TraceRoots(${this.#names.size})`;
  }
}
