import type { CountRecord } from '@ferret/profiler';
import { type Counter, type MeterProvider, metrics, ValueType } from '@opentelemetry/api';
import { ATTR_SPAN_NAME, METRIC_FERRET_CALLS } from './semconv.js';
import { VERSION } from './version.js';

/** Most distinct span names whose attribute objects are kept for reuse. */
const MAX_CACHED_NAMES = 1000;

/**
 * The `ferret.calls{span.name}` monotonic counter: each count record adds its exact `calls`
 * (recorded and dropped alike) to the series of its root name. One `add()` per name per flush
 * interval, off the caller's path. The instrument is created at the first record, from the
 * `MeterProvider` given or else the global one (so an SDK started later is still used).
 */
export class CallsCounter {
  readonly #provider: MeterProvider | undefined;
  #counter: Counter | undefined;
  readonly #attributes = new Map<string, Readonly<Record<string, string>>>();
  /** Calls added to the counter so far. */
  added = 0;

  constructor(provider: MeterProvider | undefined) {
    this.#provider = provider;
  }

  /** Adds every record's calls. Throws what the metrics SDK throws (the caller counts it). */
  add(counts: readonly CountRecord[]): void {
    const counter = this.#counter ?? this.#create();
    for (const record of counts) {
      const calls = record?.calls;
      if (typeof calls !== 'number' || !Number.isFinite(calls) || calls <= 0) continue;
      counter.add(calls, this.#attributesOf(String(record.name)));
      this.added += calls;
    }
  }

  /** `CallsCounter{metric=ferret.calls, added=...}`. */
  toString(): string {
    return `CallsCounter{metric=${METRIC_FERRET_CALLS}, added=${this.added}}`;
  }

  #create(): Counter {
    const provider = this.#provider ?? metrics.getMeterProvider();
    this.#counter = provider
      .getMeter('@ferret/profiler', VERSION)
      .createCounter(METRIC_FERRET_CALLS, {
        description:
          'Root calls per span name, recorded or not (exact counts from the Ferret profiler)',
        unit: '{call}',
        valueType: ValueType.INT,
      });
    return this.#counter;
  }

  #attributesOf(name: string): Readonly<Record<string, string>> {
    let attributes = this.#attributes.get(name);
    if (attributes === undefined) {
      if (this.#attributes.size >= MAX_CACHED_NAMES) this.#attributes.clear();
      attributes = Object.freeze({ [ATTR_SPAN_NAME]: name });
      this.#attributes.set(name, attributes);
    }
    return attributes;
  }
}
