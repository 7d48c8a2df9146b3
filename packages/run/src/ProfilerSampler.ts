import {
  assertKnownOptions,
  assertOptionsObject,
  FERRET_TRACESTATE_KEY,
  ferretTraceStateValue,
  optionKeys,
} from '@ferret/internal';
import type { Profiler } from '@ferret/profiler';
import {
  type Attributes,
  type Context,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  trace,
} from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { isSameRun, localRootTraceState, runTagOf } from './runTag.js';
import { TraceRoots } from './TraceRoots.js';

/** Options for {@link ProfilerSampler}. */
export interface ProfilerSamplerOptions {
  /**
   * The id of the run whose processes share traces (`ferret run` passes `FERRET_RUN_ID`): a span
   * under a remote parent decided by a process of the same run is a child, any other one a root.
   */
  runId?: string;
}

/** Every key of {@link ProfilerSamplerOptions}: any other key is refused (a misspelt option). */
const PROFILER_SAMPLER_OPTION_KEYS = optionKeys<ProfilerSamplerOptions>({
  runId: true,
});

/** The attribute the store reads a sampled root's weight from (its inverse). */
const SAMPLING_PROBABILITY = 'ferret.sampling.probability';

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const SAMPLED_CHILD: SamplingResult = Object.freeze({
  decision: SamplingDecision.RECORD_AND_SAMPLED,
});

/**
 * An OpenTelemetry `Sampler` that spends the budget of a Ferret {@link Profiler}: one bucket for
 * library spans and `measure()` blocks, not two that add up.
 *
 * - a root span asks the profiler as if it were a `measure()` root of that name
 *   (`profiler.admitExternalRoot`): fair share per name, the same token bucket, and the call is
 *   counted in the profiler's count records, so root calls stay exact; a sampled root carries
 *   `ferret.sampling.probability = 1 / weight` and the same value in its tracestate
 *   (`ferret=p:<1 / weight>;r:<run tag>`), which its children inherit, so the store gives every
 *   span the trace's weight;
 * - a span whose parent is remote (a `traceparent` header) is a root too: the caller's decision
 *   (`-01` or `-00`) is not trusted, so a client can neither bypass the budget nor hide its
 *   requests from the counts. When recorded it keeps the remote parent link, and its tracestate
 *   gets the local weight (and loses the caller's `ot` threshold);
 * - except when the remote parent's tracestate carries this run's tag (`r:`): the trace was
 *   decided by a process of the same `ferret run`, which counted its root, so the span is a
 *   child, like a local one;
 * - a child of a sampled parent is sampled and charged to the bucket as debt
 *   (`profiler.chargeExternalChild`), exactly like a `measure()` child, so traces stay whole;
 * - a child of a dropped parent is dropped.
 *
 * Dropped roots carry the run tag in their tracestate too, so that the same run's other
 * processes drop (and do not count again) what this one did not sample.
 */
export class ProfilerSampler implements Sampler {
  readonly #profiler: Profiler;
  readonly #runTag: string | undefined;
  readonly #droppedRoot: SamplingResult;
  readonly #weights = new Map<number, SamplingResult>();
  readonly #roots: TraceRoots;
  /** The trace of the root decided by the last `shouldSample` call, if it decided a root. */
  #lastRootTraceId: string | undefined;
  #lastRootName = '';

  /**
   * `options.runId`: the id of the run whose processes share traces (`ferret run` passes its
   * `FERRET_RUN_ID`); a tag derived from it is written on every trace decided here and makes a
   * remote parent carrying it a parent. Without it, every span under a remote parent is a root.
   */
  constructor(profiler: Profiler, options: ProfilerSamplerOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('ProfilerSampler', options, PROFILER_SAMPLER_OPTION_KEYS);
    if (options.runId !== undefined && typeof options.runId !== 'string') {
      throw new TypeError(`Expected \`runId\` to be a string, got ${typeof options.runId}`);
    }
    this.#profiler = profiler;
    this.#roots = new TraceRoots();
    const runTag = options.runId === undefined ? undefined : runTagOf(options.runId);
    this.#runTag = runTag;
    this.#droppedRoot =
      runTag === undefined
        ? DROP
        : Object.freeze({
            decision: SamplingDecision.NOT_RECORD,
            traceState: createTraceState().set(
              FERRET_TRACESTATE_KEY,
              ferretTraceStateValue(undefined, runTag),
            ),
          });
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    _spanKind: unknown,
    _attributes: Attributes,
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && isSpanContextValid(parent)) {
      if (parent.isRemote === true && !isSameRun(parent.traceState, this.#runTag)) {
        this.#lastRootTraceId = parent.traceId;
        this.#lastRootName = spanName;
        return this.#remoteRoot(parent, spanName);
      }
      this.#lastRootTraceId = undefined;
      if ((parent.traceFlags & 1) === 0) return DROP;
      this.#profiler.chargeExternalChild(this.#roots.rootNameOf(parent.traceId));
      return SAMPLED_CHILD;
    }
    this.#lastRootTraceId = traceId;
    this.#lastRootName = spanName;
    const weight = this.#profiler.admitExternalRoot(spanName);
    if (!(weight >= 1)) return this.#droppedRoot;
    this.#roots.remember(traceId, spanName);
    return this.#sampledRoot(weight);
  }

  /**
   * The name a recently sampled trace's local root was admitted under (the name its calls are
   * counted under), or undefined when the trace is not one this sampler sampled (or was
   * forgotten: it remembers the last 4,096). A context bridge charges a `measure()` block joining
   * the trace to that name's fair share.
   */
  rootNameOf(traceId: string): string | undefined {
    return this.#roots.rootNameOf(traceId);
  }

  /**
   * The name the last `shouldSample` call admitted a root of trace `traceId` under (sampled or
   * not: its call was counted under that name), once: for whoever counts that root's call under
   * another name when it ends (`Profiler.deferExternalRootCount`), right after the span started.
   * Undefined when the last decision was not a root of that trace (a child, another span).
   */
  takeRoot(traceId: string): string | undefined {
    if (traceId !== this.#lastRootTraceId) return undefined;
    this.#lastRootTraceId = undefined;
    return this.#lastRootName;
  }

  /** e.g. `ProfilerSampler{maxSpansPerSecond=1000, bucket=profiler, runTag=none}` (the profiler's budget). */
  toString(): string {
    return `ProfilerSampler{maxSpansPerSecond=${this.#profiler.maxSpansPerSecond}, bucket=profiler, runTag=${this.#runTag ?? 'none'}}`;
  }

  /** A root under another service's (or a client's) span: decided and counted here. */
  #remoteRoot(parent: SpanContext, spanName: string): SamplingResult {
    const weight = this.#profiler.admitExternalRoot(spanName);
    // A caller that sent no tracestate: the same results as a root without a parent (cached).
    if (parent.traceState === undefined) {
      if (!(weight >= 1)) return this.#droppedRoot;
      this.#roots.remember(parent.traceId, spanName);
      return this.#sampledRoot(weight);
    }
    if (!(weight >= 1)) {
      return {
        decision: SamplingDecision.NOT_RECORD,
        traceState: localRootTraceState(parent.traceState, undefined, this.#runTag),
      };
    }
    this.#roots.remember(parent.traceId, spanName);
    return {
      decision: SamplingDecision.RECORD_AND_SAMPLED,
      attributes: { [SAMPLING_PROBABILITY]: 1 / weight },
      traceState: localRootTraceState(parent.traceState, 1 / weight, this.#runTag),
    };
  }

  /** A frozen result per weight (weights repeat: allocation-free on the common path). */
  #sampledRoot(weight: number): SamplingResult {
    let result = this.#weights.get(weight);
    if (result === undefined) {
      result = Object.freeze({
        decision: SamplingDecision.RECORD_AND_SAMPLED,
        attributes: Object.freeze({ [SAMPLING_PROBABILITY]: 1 / weight }),
        traceState: createTraceState().set(
          FERRET_TRACESTATE_KEY,
          ferretTraceStateValue(1 / weight, this.#runTag),
        ),
      });
      if (this.#weights.size >= 256) this.#weights.clear();
      this.#weights.set(weight, result);
    }
    return result;
  }
}
