import {
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveNumber,
  optionKeys,
  parseOtValue,
  serializeOtValue,
  ZERO_THRESHOLD,
} from '@ferret/internal';
import { type Clock, monotonicClock } from '@ferret/ratelimit';
import {
  type Attributes,
  type Context,
  createTraceState,
  isSpanContextValid,
  type Link,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  type TraceState,
  trace,
} from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { ArrivalRateEstimator } from './ArrivalRateEstimator.js';
import type { RateLimitingSampler } from './RateLimitingSampler.js';
import {
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_SAMPLER_PARAM,
  ATTR_SAMPLER_TYPE,
  SAMPLER_TYPE_CONSISTENT_RATELIMITING,
} from './semconv.js';

/** Default for {@link ConsistentRateLimitingSamplerOptions.targetTracesPerSecond}. */
export const DEFAULT_TARGET_TRACES_PER_SECOND = 100;

/**
 * Hex digits of the thresholds this sampler writes (the OpenTelemetry Collector's default
 * sampling precision): probabilities are multiples of 2^-16, the smallest is 2^-16.
 */
export const THRESHOLD_PRECISION_DIGITS = 4;
const STEPS = 16 ** THRESHOLD_PRECISION_DIGITS;

// The fall detector: a second estimate with a quarter of the time constant, which may pull the
// rate down only when it reads below 2/3 of the main estimate. A fall of traffic does that within
// a fraction of the time constant; random arrivals at a steady rate seldom do (it raises the
// long-run sampled rate by about 1% at 1.5 to 2× the target, not measurably from 5×), and on a
// rise the main estimate is the lower one, so spikes are followed exactly as without it.
const FALL_TIME_DIVISOR = 4;
const FALL_MARGIN = 1.5;

/** Options of {@link ConsistentRateLimitingSampler}. */
export interface ConsistentRateLimitingSamplerOptions {
  /** Sampled root spans (traces) per second to aim at. A finite number > 0. Default 100. */
  targetTracesPerSecond?: number;
  /**
   * Time constant of the incoming-rate estimate, ms: how fast the probability follows a change
   * in traffic (about 63% of the way after one constant). A finite number > 0. Default 1000.
   */
  adaptationTimeMs?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  clock?: Clock;
}

/** Every key of {@link ConsistentRateLimitingSamplerOptions}: any other key is refused (a misspelt option). */
const CONSISTENT_RATE_LIMITING_SAMPLER_OPTION_KEYS =
  optionKeys<ConsistentRateLimitingSamplerOptions>({
    targetTracesPerSecond: true,
    adaptationTimeMs: true,
    clock: true,
  });

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const FOLLOW_SAMPLED: SamplingResult = Object.freeze({
  decision: SamplingDecision.RECORD_AND_SAMPLED,
});

/**
 * A consistent probability sampler (OpenTelemetry's tracestate probability sampling, OTEP 235 /
 * 250) whose probability follows the traffic so that about `targetTracesPerSecond` traces are
 * sampled per second: it estimates the rate of root spans, samples with
 * `p = target ÷ rate` (at most 1), and decides by comparing the trace's randomness (`rv` from
 * the `ot` tracestate entry, else the last 56 bits of the trace id) with the threshold
 * `(1 - p) × 2^56`. Sampled roots carry `ot=th:<threshold>` in their tracestate, so every
 * service and any backend that reads `th` agrees on the decision and its adjusted count `1 / p`.
 *
 * Spans with a parent follow the parent's sampled flag, as `ParentBasedSampler` does, keeping a
 * valid incoming `th`/`rv`. What the specification says to erase is erased, never thrown on: an
 * `ot` value that is too long or malformed, a `th` or `rv` that is not lowercase hex of the right
 * length, a sub-key given twice, a `th` on an unsampled parent or one the parent's randomness
 * contradicts.
 *
 * Unlike {@link RateLimitingSampler} (a hard cap: never more than the budget plus the burst),
 * the target is soft: a sudden spike is sampled at the old probability until the estimate
 * catches up (about `adaptationTimeMs`), and above 65,536 × the target the smallest probability
 * (2^-16) is reached and the target is exceeded. A fall of traffic is caught by a second, faster
 * estimate (a quarter of `adaptationTimeMs`), which may pull the rate down to 1.5 × its reading:
 * within about a quarter of `adaptationTimeMs` × ln(old rate ÷ new rate) the sampler is back to
 * 2/3 of the target, and reaches the target as the main estimate catches up.
 */
export class ConsistentRateLimitingSampler implements Sampler {
  readonly #targetPerMs: number;
  readonly #target: number;
  readonly #adaptationTimeMs: number;
  readonly #clock: Clock;
  readonly #rate: ArrivalRateEstimator;
  readonly #fallRate: ArrivalRateEstimator;
  // The last root result, reused while the threshold step is unchanged.
  #lastStep = -1;
  #threshold = ZERO_THRESHOLD;
  #sampled: SamplingResult = FOLLOW_SAMPLED;
  #traceState: TraceState = createTraceState();
  #probability = 1;

  /** @throws TypeError / RangeError naming the option, for invalid options. */
  constructor(options: ConsistentRateLimitingSamplerOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions(
      'ConsistentRateLimitingSampler',
      options,
      CONSISTENT_RATE_LIMITING_SAMPLER_OPTION_KEYS,
    );
    const {
      targetTracesPerSecond = DEFAULT_TARGET_TRACES_PER_SECOND,
      adaptationTimeMs = 1000,
      clock = monotonicClock,
    } = options;
    assertPositiveNumber('targetTracesPerSecond', targetTracesPerSecond);
    assertPositiveNumber('adaptationTimeMs', adaptationTimeMs);
    assertFunction('clock', clock);
    this.#target = targetTracesPerSecond;
    this.#targetPerMs = targetTracesPerSecond / 1000;
    this.#adaptationTimeMs = adaptationTimeMs;
    this.#clock = clock;
    const start = clock();
    this.#rate = new ArrivalRateEstimator(adaptationTimeMs, this.#targetPerMs, start);
    this.#fallRate = new ArrivalRateEstimator(
      adaptationTimeMs / FALL_TIME_DIVISOR,
      this.#targetPerMs,
      start,
    );
    this.#setStep(0);
  }

  shouldSample(
    context: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    let parent: SpanContext | undefined;
    try {
      parent = trace.getSpanContext(context);
    } catch {
      parent = undefined;
    }
    if (parent !== undefined && isSpanContextValid(parent)) return this.#followParent(parent);
    return this.#decideRoot(traceId, parent?.traceState);
  }

  /** The probability roots are sampled with now (after the last decision). */
  get probability(): number {
    return this.#probability;
  }

  /** `ConsistentRateLimitingSampler{targetTracesPerSecond=..., adaptationTimeMs=...}`. */
  toString(): string {
    return `ConsistentRateLimitingSampler{targetTracesPerSecond=${this.#target}, adaptationTimeMs=${this.#adaptationTimeMs}}`;
  }

  #decideRoot(traceId: string, incoming: TraceState | undefined): SamplingResult {
    let now: number;
    try {
      now = this.#clock();
    } catch {
      now = Number.NaN;
    }
    const rate = Number.isFinite(now)
      ? Math.min(this.#rate.arrive(now), FALL_MARGIN * this.#fallRate.arrive(now))
      : Number.POSITIVE_INFINITY;
    const p = rate > 0 ? this.#targetPerMs / rate : 1;
    // The threshold step rounded up: never sample more than p, at least 1 step of 2^16 kept.
    const step = p >= 1 ? 0 : Math.min(STEPS - 1, Math.ceil((1 - Math.max(p, 0)) * STEPS));
    if (step !== this.#lastStep) this.#setStep(step);
    const ot = incoming === undefined ? undefined : parseOtValue(safeGet(incoming, 'ot'));
    const randomness = ot?.randomness ?? traceRandomness(traceId);
    if (randomness === undefined || randomness < this.#threshold) {
      return DROP;
    }
    if (incoming === undefined || ot === undefined) return this.#sampled;
    // Keep the incoming entries and rv; write this decision's th.
    const value = serializeOtValue(this.#threshold, ot.randomness, ot.rest);
    return {
      decision: SamplingDecision.RECORD_AND_SAMPLED,
      attributes: this.#sampled.attributes,
      traceState: incoming.set('ot', value),
    };
  }

  #followParent(parent: SpanContext): SamplingResult {
    const sampled = (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    const traceState = parent.traceState;
    const raw = traceState === undefined ? undefined : safeGet(traceState, 'ot');
    if (raw === undefined) return sampled ? FOLLOW_SAMPLED : DROP;
    const ot = parseOtValue(raw);
    let threshold = ot.threshold;
    let erased = ot.erased;
    if (threshold !== undefined) {
      const randomness = ot.randomness ?? traceRandomness(parent.traceId);
      // An unsampled parent carries no th; a sampled one whose randomness is below th is inconsistent.
      if (!sampled || randomness === undefined || randomness < threshold) {
        threshold = undefined;
        erased = true;
      }
    }
    if (!erased) return sampled ? FOLLOW_SAMPLED : DROP;
    const value = serializeOtValue(threshold, ot.randomness, ot.rest);
    const rewritten = value === '' ? traceState!.unset('ot') : traceState!.set('ot', value);
    return {
      decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
      traceState: rewritten,
    };
  }

  #setStep(step: number): void {
    this.#lastStep = step;
    const digits = step.toString(16).padStart(THRESHOLD_PRECISION_DIGITS, '0');
    this.#threshold = step === 0 ? ZERO_THRESHOLD : digits.padEnd(14, '0');
    this.#probability = 1 - step / STEPS;
    this.#traceState = createTraceState().set(
      'ot',
      serializeOtValue(this.#threshold, undefined, []),
    );
    this.#sampled = Object.freeze({
      decision: SamplingDecision.RECORD_AND_SAMPLED,
      attributes: Object.freeze({
        [ATTR_FERRET_SAMPLING_PROBABILITY]: this.#probability,
        [ATTR_SAMPLER_TYPE]: SAMPLER_TYPE_CONSISTENT_RATELIMITING,
        [ATTR_SAMPLER_PARAM]: this.#target,
      }),
      traceState: this.#traceState,
    });
  }
}

/** The last 56 bits of a trace id as 14 lowercase hex digits; undefined for a malformed id. */
function traceRandomness(traceId: string): string | undefined {
  if (typeof traceId !== 'string' || traceId.length !== 32) return undefined;
  const digits = traceId.slice(18).toLowerCase();
  return /^[0-9a-f]{14}$/.test(digits) ? digits : undefined;
}

function safeGet(traceState: TraceState, key: string): string | undefined {
  try {
    const value = traceState.get(key);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
