import { FERRET_TRACESTATE_KEY, ferretTraceStateValue, traceStateWeight } from '@ferret/internal';
import type { ExternalContext, ExternalSpanContext, Span } from '@ferret/profiler';
import {
  context,
  createTraceState,
  isSpanContextValid,
  TraceFlags,
  type TraceState,
  trace,
} from '@opentelemetry/api';
import { isSameRun } from './runTag.js';

/** Most distinct weights whose tracestate is kept (weights repeat: one object serves many spans). */
const MAX_CACHED_WEIGHTS = 256;

/**
 * The profiler's {@link ExternalContext} over OpenTelemetry's global context: a `measure()` block
 * run inside an OpenTelemetry span (an Express route) nests under it, with the weight of its
 * trace (read from the span context's tracestate: `ot=th`, else `ferret=p`), and OpenTelemetry
 * spans started inside a recorded `measure()` block (an outgoing `fetch`) nest under that block
 * and carry its weight in their tracestate (`ferret=p:<1 / weight>;r:<run tag>`), so the store
 * weighs them like the block and the `tracestate` header takes it to the service called. A remote
 * span context (one extracted from a header) that this run did not decide is no parent: a block
 * in it is a root, decided and counted by the budget.
 */
export class OtelContextBridge implements ExternalContext {
  readonly #traceStates = new Map<number, TraceState>();
  readonly #runTag: string | undefined;
  readonly #rootNameOf: (traceId: string) => string | undefined;

  /**
   * `runTag`: the tag of this run (see `runTagOf`), written on and recognised in tracestates;
   * `rootNameOf`: the sampler's root name of a trace (`ProfilerSampler.rootNameOf`), so a block
   * joining the trace is charged to its root name's fair share.
   */
  constructor(
    runTag: string | undefined,
    rootNameOf: (traceId: string) => string | undefined = () => undefined,
  ) {
    this.#runTag = runTag;
    this.#rootNameOf = rootNameOf;
  }

  activeSpan(): ExternalSpanContext | undefined {
    try {
      const spanContext = trace.getSpanContext(context.active());
      if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
      const traceState = spanContext.traceState;
      if (spanContext.isRemote === true && !isSameRun(traceState, this.#runTag)) return undefined;
      const weight =
        traceState === undefined ? undefined : traceStateWeight((key) => traceState.get(key));
      const rootName = this.#rootNameOf(spanContext.traceId);
      return {
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        sampled: (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0,
        ...(weight === undefined ? {} : { weight }),
        ...(rootName === undefined ? {} : { rootName }),
      };
    } catch {
      return undefined;
    }
  }

  runWithSpan<R>(span: Span, fn: () => R): R {
    const active = context.active();
    const inner = trace.setSpanContext(active, {
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
      traceState: this.#traceStateFor(span.weight, trace.getSpanContext(active)?.traceState),
    });
    return context.with(inner, fn);
  }

  toString(): string {
    return 'OtelContextBridge';
  }

  /**
   * The tracestate for a span of weight `weight`: the enclosing library span's, when it already
   * states the weight (the block joined that trace), else one stating it (kept per weight).
   */
  #traceStateFor(weight: number, enclosing: TraceState | undefined): TraceState | undefined {
    if (enclosing !== undefined && traceStateWeight((key) => enclosing.get(key)) !== undefined) {
      return enclosing;
    }
    const value = ferretTraceStateValue(1 / weight, this.#runTag);
    if (enclosing !== undefined) return enclosing.set(FERRET_TRACESTATE_KEY, value);
    let state = this.#traceStates.get(weight);
    if (state === undefined) {
      state = createTraceState().set(FERRET_TRACESTATE_KEY, value);
      if (this.#traceStates.size >= MAX_CACHED_WEIGHTS) this.#traceStates.clear();
      this.#traceStates.set(weight, state);
    }
    return state;
  }
}
