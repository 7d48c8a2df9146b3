import { createRequire } from 'node:module';
import { packageVersion } from '@ferret/internal';

/**
 * Something that holds per-key counters: every limiter with `metrics` enabled. The counters are
 * plain numbers the limiter keeps anyway (they back `usage()`), so reporting adds nothing to the
 * hot path: OpenTelemetry reads them through an observable callback at collection time only.
 */
export interface CounterSource {
  /** Calls `observe` once per live key with its cumulative counts. */
  collectCounters(observe: (key: string, requests: number, limited: number) => void): void;
}

// Structural subsets of @opentelemetry/api, so that neither our .d.ts nor our runtime needs the
// optional peer to be installed.
type ObservableLike = object;
interface BatchResultLike {
  observe(observable: ObservableLike, value: number, attributes?: Record<string, string>): void;
}
type BatchCallback = (result: BatchResultLike) => void;
interface MeterLike {
  createObservableCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): ObservableLike;
  addBatchObservableCallback(callback: BatchCallback, observables: ObservableLike[]): void;
  removeBatchObservableCallback(callback: BatchCallback, observables: ObservableLike[]): void;
}
/** The part of an OpenTelemetry `MeterProvider` this package uses. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): MeterLike;
}
interface OtelApiLike {
  metrics: { getMeterProvider(): MeterProviderLike };
}

interface Binding {
  provider: MeterProviderLike;
  meter: MeterLike;
  observables: ObservableLike[];
  callback: BatchCallback;
}

const SCOPE_NAME = '@ferret/ratelimit';
const SCOPE_VERSION = packageVersion(import.meta.url);

/**
 * Reports the counters of every live limiter as `ferret.ratelimit.requests` and
 * `ferret.ratelimit.limited` (observable counters, attribute `key`). One per process.
 *
 * `@opentelemetry/api` is loaded lazily with `require` the first time a limiter is built and
 * the failure to find it is remembered: nothing is reported and nothing breaks.
 */
export class RateLimitMetrics {
  /** The process-wide instance every limiter registers with. */
  static readonly global = new RateLimitMetrics();

  readonly #sources = new Set<WeakRef<CounterSource>>();
  // A limiter that is garbage-collected drops out of the set without waiting for a collection.
  readonly #finalizer = new FinalizationRegistry<WeakRef<CounterSource>>((ref) =>
    this.#sources.delete(ref),
  );
  #api: OtelApiLike | null | undefined;
  #binding: Binding | undefined;
  #explicit = false;

  /** Starts reporting `source` (held weakly) and binds to the global MeterProvider if it changed. */
  track(source: CounterSource): void {
    const ref = new WeakRef(source);
    this.#sources.add(ref);
    this.#finalizer.register(source, ref);
    if (!this.#explicit) this.bind(undefined);
  }

  /** Number of limiters currently reported (for tests and diagnostics). */
  get sourceCount(): number {
    return this.#sources.size;
  }

  /**
   * Binds to `provider`, or to the globally registered MeterProvider when omitted. Never throws:
   * a missing API package or a failing provider leaves metrics off.
   */
  bind(provider: MeterProviderLike | undefined): boolean {
    try {
      this.#explicit = provider !== undefined;
      const target = provider ?? this.#loadApi()?.metrics.getMeterProvider();
      if (target === undefined) return false;
      if (this.#binding?.provider === target) return true;
      this.#unbind();
      const meter = target.getMeter(SCOPE_NAME, SCOPE_VERSION);
      const requests = meter.createObservableCounter('ferret.ratelimit.requests', {
        description: 'Rate-limit checks, per key',
        unit: '{request}',
      });
      const limited = meter.createObservableCounter('ferret.ratelimit.limited', {
        description:
          'Rate-limit checks that were refused (or would have been, when not enforced), per key',
        unit: '{request}',
      });
      const callback: BatchCallback = (result) => this.#collect(result, requests, limited);
      meter.addBatchObservableCallback(callback, [requests, limited]);
      this.#binding = { provider: target, meter, observables: [requests, limited], callback };
      return true;
    } catch {
      return false;
    }
  }

  #collect(result: BatchResultLike, requests: ObservableLike, limited: ObservableLike): void {
    // Sums across limiters that share a key, so two limiters never report one series twice.
    const totals = new Map<string, [number, number]>();
    for (const ref of this.#sources) {
      const source = ref.deref();
      if (source === undefined) {
        this.#sources.delete(ref);
        continue;
      }
      source.collectCounters((key, r, l) => {
        const entry = totals.get(key);
        if (entry === undefined) totals.set(key, [r, l]);
        else {
          entry[0] += r;
          entry[1] += l;
        }
      });
    }
    for (const [key, [r, l]] of totals) {
      const attributes = { key };
      result.observe(requests, r, attributes);
      result.observe(limited, l, attributes);
    }
  }

  #unbind(): void {
    const binding = this.#binding;
    this.#binding = undefined;
    if (binding === undefined) return;
    try {
      binding.meter.removeBatchObservableCallback(binding.callback, binding.observables);
    } catch {
      // the old provider may already be shut down; nothing to undo then
    }
  }

  #loadApi(): OtelApiLike | null {
    if (this.#api === undefined) {
      try {
        this.#api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApiLike;
      } catch {
        this.#api = null;
      }
    }
    return this.#api;
  }
}

/**
 * Reports the counters of every `@ferret/ratelimit` limiter (`ferret.ratelimit.requests`,
 * `ferret.ratelimit.limited`, attribute `key`) through `meterProvider`, or through the globally
 * registered OpenTelemetry MeterProvider when omitted.
 *
 * Limiters look for the global provider when they are constructed, so calling this is only needed
 * when the provider is registered after the limiters were built, or is not the global one.
 *
 * @returns whether metrics are now bound (false when `@opentelemetry/api` is not installed).
 */
export function reportRateLimitMetrics(meterProvider?: MeterProviderLike): boolean {
  return RateLimitMetrics.global.bind(meterProvider);
}
