import { register } from 'node:module';
import type { Profiler } from '@ferret/profiler';
import type { FerretStoreError } from '@ferret/store-sqlite';
import { SqliteSpanExporter } from '@ferret/store-sqlite/otel';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  type Instrumentation,
  type InstrumentationConfig,
  registerInstrumentations,
} from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { HOOKED_MODULES, loadInstrumentations } from './libraries.js';
import { ProfilerSampler } from './ProfilerSampler.js';
import type { LibraryName } from './RunSettings.js';
import { ServerRootCounts } from './ServerRootCounts.js';
import { StoreSpanProcessor } from './StoreSpanProcessor.js';

const HTTP_INSTRUMENTATION = '@opentelemetry/instrumentation-http';

/** Options for {@link OtelLibraries.start}. */
export interface OtelLibrariesOptions {
  profiler: Profiler;
  db: string;
  runId: string;
  /** What {@link OtelLibraries.load} loaded. */
  loaded: LoadedLibraries;
  /** `service.name` of the resource, stored with every library span. Default `unknown_service:node`. */
  serviceName?: string;
  onError: (error: FerretStoreError) => void;
}

/** The instrumentations {@link OtelLibraries.load} loaded (each patching its library already). */
export interface LoadedLibraries {
  instrumentations: Instrumentation[];
  /** Libraries that were instrumented. */
  instrumented: LibraryName[];
}

/**
 * OpenTelemetry's instrumentations of the chosen libraries, under a tracer provider whose sampler
 * is the profiler's budget ({@link ProfilerSampler}) and whose spans go to the same database
 * (through a {@link StoreSpanProcessor}). Registers the global context manager, W3C propagator
 * and tracer provider. Started in two steps, {@link OtelLibraries.load} (the slow part: loading
 * the instrumentations, registering the ES-module hook) then {@link OtelLibraries.start}, so that
 * the preload loads them before its profiler, and its stall watchdog, starts.
 */
export class OtelLibraries {
  readonly #provider: BasicTracerProvider;
  readonly #processor: StoreSpanProcessor;
  readonly #sampler: ProfilerSampler;
  readonly #disable: () => void;
  /** Libraries that were instrumented. */
  readonly instrumented: LibraryName[];

  private constructor(
    provider: BasicTracerProvider,
    sampler: ProfilerSampler,
    processor: StoreSpanProcessor,
    disable: () => void,
    instrumented: LibraryName[],
  ) {
    this.#provider = provider;
    this.#sampler = sampler;
    this.#processor = processor;
    this.#disable = disable;
    this.instrumented = instrumented;
  }

  /**
   * Loads the instrumentation of each library (one that cannot be instrumented is reported
   * through `warn`) and registers the ES-module hook of the instrumented modules.
   */
  static load(libs: readonly LibraryName[], warn: (message: string) => void): LoadedLibraries {
    const { instrumentations, failures } = loadInstrumentations(libs);
    for (const failure of failures) warn(`cannot instrument ${failure}; the app runs without it`);
    const include = libs.flatMap((lib) => HOOKED_MODULES[lib]);
    if (include.length > 0) {
      try {
        // ES-module imports of the instrumented libraries go through import-in-the-middle;
        // CommonJS `require` is patched by the instrumentations themselves.
        register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
          data: { include },
        });
      } catch (error) {
        warn(`cannot hook ES module imports (${String(error)}); only require() is instrumented`);
      }
    }
    const instrumented = libs.filter((lib) => !failures.some((f) => f.startsWith(`${lib} `)));
    return { instrumentations, instrumented };
  }

  /** Unpatches what {@link load} loaded: for when no profiler could be started. */
  static unload(loaded: LoadedLibraries): void {
    for (const instrumentation of loaded.instrumentations) instrumentation.disable();
  }

  /** @throws FerretStoreError when the database is not usable (the caller turns this into one warning). */
  static start(options: OtelLibrariesOptions): OtelLibraries {
    const { profiler, db, runId, loaded } = options;
    const exporter = new SqliteSpanExporter({ path: db, runId, onError: options.onError });
    const processor = new StoreSpanProcessor(exporter, { runId });
    const sampler = new ProfilerSampler(profiler, { runId });
    const provider = new BasicTracerProvider({
      ...(options.serviceName === undefined
        ? {}
        : {
            resource: defaultResource().merge(
              resourceFromAttributes({ 'service.name': options.serviceName }),
            ),
          }),
      sampler,
      spanProcessors: [processor],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    // Each HTTP server root's call is counted when its response ends, under its route.
    const counts = new ServerRootCounts(profiler, sampler, processor);
    for (const instrumentation of loaded.instrumentations) {
      if (instrumentation.instrumentationName === HTTP_INSTRUMENTATION) {
        instrumentation.setConfig({
          ...instrumentation.getConfig(),
          responseHook: counts.responseHook,
        } as InstrumentationConfig);
      }
    }
    const disable = registerInstrumentations({
      instrumentations: loaded.instrumentations,
      tracerProvider: provider,
    });
    return new OtelLibraries(provider, sampler, processor, disable, loaded.instrumented);
  }

  /** The name a recently sampled library trace's root was counted under (`ProfilerSampler.rootNameOf`). */
  rootNameOf(traceId: string): string | undefined {
    return this.#sampler.rootNameOf(traceId);
  }

  /** Library spans dropped by the bounded queue. */
  get dropped(): number {
    return this.#processor.dropped;
  }

  /** Hands queued spans over and blocks until committed (process `exit`). */
  flushSync(): void {
    this.#processor.flushSync();
  }

  /** Stops instrumenting, flushes and closes the exporter. Never rejects. */
  async shutdown(): Promise<void> {
    this.#disable();
    try {
      await this.#provider.shutdown();
    } catch {
      // Reported through the store's onError already.
    }
  }

  toString(): string {
    return `OtelLibraries(${this.instrumented.join(', ') || 'none'})`;
  }
}
