import {
  assertFunction,
  assertKnownOptions,
  assertOptionsObject,
  assertPositiveNumber,
  checkRateAndCapacity,
  describe,
  FERRET_TRACESTATE_KEY,
  ferretTraceStateValue,
  MAX_SAMPLING_WEIGHT,
  optionKeys,
} from '@ferret/internal';
import { type Clock, monotonicClock, type RateBucket, TokenBucket } from '@ferret/ratelimit';
import {
  type Attributes,
  type Context,
  createTraceState,
  type Link,
  type MeterProvider,
  metrics,
  type SpanKind,
} from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { DecisionCounter } from './DecisionCounter.js';
import { SamplingWindow } from './SamplingWindow.js';
import {
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_SAMPLER_PARAM,
  ATTR_SAMPLER_TYPE,
  PROBABILITY_WINDOW_MS,
  PROBABILITY_WINDOW_SLOTS,
  SAMPLER_TYPE_RATELIMITING,
} from './semconv.js';

/** Default for {@link RateLimitingSamplerOptions.maxTracesPerSecond}. */
export const DEFAULT_MAX_TRACES_PER_SECOND = 100;

/**
 * Most roots dropped in a row, after the bucket was found empty, without reading the clock
 * again. Bounds how long a synchronous loop (where the reopening timer cannot run) may keep
 * dropping roots after a token became available.
 */
const MAX_DROPS_WITHOUT_CLOCK = 256;

/**
 * Smallest probability a sampled root carries: 1 / `MAX_SAMPLING_WEIGHT` (2^-20), the bound every
 * Ferret reader and store puts on a weight. A root that stands for more roots says 2^-20.
 */
const MIN_PROBABILITY = 1 / MAX_SAMPLING_WEIGHT;

/** Options for {@link RateLimitingSampler}. */
export interface RateLimitingSamplerOptions {
  /**
   * Root spans (so traces) sampled per second on average. A finite number > 0; fractions are
   * allowed (`0.5` = one trace every 2 s). Default `100`. Not allowed together with `bucket`.
   */
  maxTracesPerSecond?: number;
  /**
   * Most traces sampled in a burst after a quiet period: the bucket's capacity. A number >= 1
   * (checked as every Ferret `burst` is). Default `max(1, maxTracesPerSecond)`. Not allowed
   * together with `bucket`.
   */
  burst?: number;
  /**
   * An existing bucket to take tokens from instead of creating one: share a single budget with
   * a Ferret `Profiler`, with other samplers, or across worker threads (`SharedTokenBucket`).
   * Its rate and capacity are then the budget.
   */
  bucket?: RateBucket;
  /**
   * Monotonic milliseconds, used for the probability window and for the bucket this sampler
   * creates (a `bucket` you pass keeps its own clock). Default `performance.now`. With an
   * injected clock every decision reads it (no timer-based shortcut while the bucket is empty).
   */
  clock?: Clock;
  /**
   * Where `ferret.sampler.decisions` is reported. Default: the global MeterProvider, looked up
   * at the first decision (so `NodeSDK.start()` may register it after the sampler is created).
   */
  meterProvider?: MeterProvider;
}

/** Every key of {@link RateLimitingSamplerOptions}: any other key is refused (a misspelt option). */
const RATE_LIMITING_SAMPLER_OPTION_KEYS = optionKeys<RateLimitingSamplerOptions>({
  maxTracesPerSecond: true,
  burst: true,
  bucket: true,
  clock: true,
  meterProvider: true,
});

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/**
 * A `Sampler` that samples at most `maxTracesPerSecond` root spans per second (bursts up to
 * `burst`), taking one token from a `@ferret/ratelimit` bucket per sampled root:
 * `RECORD_AND_SAMPLED` while the bucket has a token, `NOT_RECORD` otherwise.
 *
 * Every sampled span carries `ferret.sampling.probability`: 1 ÷ the roots it stands for (itself
 * and the roots this sampler dropped since its previous sampled root; 1 under budget), so the sum
 * of `1 / probability` over the sampled roots is the number of roots seen, exactly, up to the
 * last sampled one (a root never says it stands for more than 2^20: past 1,048,575 drops in a row
 * it says 2^-20, the weight bound every Ferret reader and store keeps). It carries Jaeger's `sampler.type = "ratelimiting"` and
 * `sampler.param = <maxTracesPerSecond>` too, and its tracestate gets the member
 * `ferret=p:<probability>`, which OpenTelemetry copies to every child span and sends to the
 * services the trace continues into: their spans (and `SqliteSpanExporter`) know the trace's
 * weight without seeing the root. It decides every span it is asked about,
 * so use it as the root of a `ParentBasedSampler` ({@link createRateLimitedSampler}) to keep
 * traces whole: children then follow their parent without spending budget.
 *
 * @example
 * const provider = new NodeTracerProvider({
 *   sampler: new ParentBasedSampler({ root: new RateLimitingSampler({ maxTracesPerSecond: 50 }) }),
 * });
 */
export class RateLimitingSampler implements Sampler {
  readonly #bucket: RateBucket;
  readonly #sharedBucket: boolean;
  readonly #clock: Clock;
  readonly #window: SamplingWindow;
  readonly #meterProvider: MeterProvider | undefined;
  #counter: DecisionCounter | undefined;
  // The last sampled result, reused while the probability is unchanged (always, under budget):
  // results are immutable per the Sampler contract, and this keeps the hot path allocation-free.
  #lastProbability = Number.NaN;
  #lastSampled: SamplingResult = DROP;
  // Roots dropped since the last sampled one: the next sampled root stands for them too.
  #droppedSinceSampled = 0;
  // A clock read costs ~50 ns, most of a decision. The bucket this sampler owns reuses the
  // decision's read instead of taking its own (undefined = not inside a decision: read it).
  #decisionNow: number | undefined;
  // While the bucket is known empty, up to this many roots are dropped without reading the
  // clock; a timer set for when the next token is due reopens the gate early.
  readonly #gateEnabled: boolean;
  #gateRemaining = 0;
  #gateStart = 0;
  #gatedDrops = 0;
  #gateTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #openGate = (): void => {
    this.#gateTimer = undefined;
    this.#gateRemaining = 0;
  };

  constructor(options: RateLimitingSamplerOptions = {}) {
    assertOptionsObject('options', options);
    assertKnownOptions('RateLimitingSampler', options, RATE_LIMITING_SAMPLER_OPTION_KEYS);
    const { bucket, clock = monotonicClock, meterProvider } = options;
    assertFunction('clock', clock);
    if (
      meterProvider !== undefined &&
      (meterProvider === null || typeof meterProvider.getMeter !== 'function')
    ) {
      throw new TypeError(
        `Expected \`meterProvider\` to be a MeterProvider, got ${describe(meterProvider)}`,
      );
    }
    if (bucket !== undefined) {
      if (options.maxTracesPerSecond !== undefined || options.burst !== undefined) {
        throw new TypeError(
          'Pass either `bucket` or `maxTracesPerSecond`/`burst`, not both: a shared bucket carries its own rate and capacity',
        );
      }
      if (bucket === null || typeof bucket !== 'object' || typeof bucket.tryTake !== 'function') {
        throw new TypeError(
          `Expected \`bucket\` to be a RateBucket (an object with tryTake()), got ${describe(bucket)}`,
        );
      }
      this.#bucket = bucket;
      this.#sharedBucket = true;
    } else {
      // `=== undefined`, not `??`: an explicit null is a caller bug worth reporting.
      const maxTracesPerSecond =
        options.maxTracesPerSecond === undefined
          ? DEFAULT_MAX_TRACES_PER_SECOND
          : options.maxTracesPerSecond;
      assertPositiveNumber('maxTracesPerSecond', maxTracesPerSecond);
      const { capacity: burst } = checkRateAndCapacity(
        maxTracesPerSecond,
        options.burst,
        'maxTracesPerSecond',
        'burst',
      );
      const decisionNow = (): number => this.#decisionNow ?? clock();
      this.#bucket = new TokenBucket({
        ratePerSecond: maxTracesPerSecond,
        capacity: burst,
        clock: decisionNow,
      });
      this.#sharedBucket = false;
    }
    this.#clock = clock;
    // An injected clock may be virtual time, which a real timer cannot follow.
    this.#gateEnabled = options.clock === undefined;
    this.#meterProvider = meterProvider;
    if (meterProvider !== undefined) this.#counter = DecisionCounter.forProvider(meterProvider);
    this.#window = new SamplingWindow(PROBABILITY_WINDOW_MS, PROBABILITY_WINDOW_SLOTS, clock());
  }

  /**
   * Samples when the bucket has a token; never throws (a failing bucket counts as empty).
   * The decision depends on the budget alone, not on the span's name, kind or attributes.
   */
  shouldSample(
    _context: Context,
    _traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const counter = this.#counter ?? this.#resolveCounter();
    if (this.#gateRemaining > 0) {
      this.#gateRemaining--;
      this.#gatedDrops++;
      this.#droppedSinceSampled++;
      counter.dropped++;
      return DROP;
    }
    const now = this.#clock();
    if (this.#gatedDrops > 0) this.#flushGatedDrops();
    let admitted: boolean;
    this.#decisionNow = now;
    try {
      admitted = this.#bucket.tryTake();
    } catch {
      admitted = false; // a broken shared bucket must not take the host app down
    }
    if (!admitted) {
      this.#window.recordDropped(now);
      this.#droppedSinceSampled++;
      counter.dropped++;
      if (this.#gateEnabled) this.#closeGate(now);
      this.#decisionNow = undefined;
      return DROP;
    }
    this.#decisionNow = undefined;
    this.#window.recordSampled(now);
    counter.sampled++;
    const probability = Math.max(1 / (this.#droppedSinceSampled + 1), MIN_PROBABILITY);
    this.#droppedSinceSampled = 0;
    if (probability === this.#lastProbability) return this.#lastSampled;
    this.#lastProbability = probability;
    let rate: number;
    try {
      rate = this.#bucket.ratePerSecond;
    } catch {
      rate = Number.NaN; // a broken shared bucket: the parameter is left out
    }
    const attributes: Attributes = {
      [ATTR_FERRET_SAMPLING_PROBABILITY]: probability,
      [ATTR_SAMPLER_TYPE]: SAMPLER_TYPE_RATELIMITING,
    };
    if (Number.isFinite(rate)) attributes[ATTR_SAMPLER_PARAM] = rate;
    this.#lastSampled = Object.freeze({
      decision: SamplingDecision.RECORD_AND_SAMPLED,
      attributes: Object.freeze(attributes),
      traceState: createTraceState().set(FERRET_TRACESTATE_KEY, ferretTraceStateValue(probability)),
    });
    return this.#lastSampled;
  }

  /** The bucket decisions are taken from (the one passed as `bucket`, or the one created). */
  get bucket(): RateBucket {
    return this.#bucket;
  }

  /**
   * Effective sampling probability now: sampled ÷ seen roots over the last second (1 when
   * nothing was seen).
   */
  get probability(): number {
    if (this.#gatedDrops > 0) this.#flushGatedDrops();
    this.#window.expire(this.#clock());
    return this.#window.probability();
  }

  /** Describes the budget, e.g. `RateLimitingSampler{maxTracesPerSecond=100, burst=100}`. */
  toString(): string {
    const shared = this.#sharedBucket ? ', shared' : '';
    return `RateLimitingSampler{maxTracesPerSecond=${this.#bucket.ratePerSecond}, burst=${this.#bucket.capacity}${shared}}`;
  }

  #resolveCounter(): DecisionCounter {
    this.#counter = DecisionCounter.forProvider(this.#meterProvider ?? metrics.getMeterProvider());
    return this.#counter;
  }

  // Drops made behind the gate belong to the window slot the gate was closed in: the gate never
  // outlives that slot by timer, and by at most MAX_DROPS_WITHOUT_CLOCK roots otherwise.
  #flushGatedDrops(): void {
    this.#window.recordDropped(this.#gateStart, this.#gatedDrops);
    this.#gatedDrops = 0;
  }

  #closeGate(now: number): void {
    let wait: number;
    try {
      wait = this.#bucket.retryAfterMs();
    } catch {
      return;
    }
    // At most what is left of the window's slot (100 ms; the drop above advanced the window to
    // `now`), so a shared bucket's long or infinite wait never reaches the timer.
    wait = Math.min(wait, this.#window.msLeftInSlot(now));
    if (!(wait >= 1)) return; // a token is (nearly) due: keep reading the clock
    this.#gateRemaining = MAX_DROPS_WITHOUT_CLOCK;
    this.#gateStart = now;
    // One pending timer at a time; an older one opens the gate early, which is the safe side.
    if (this.#gateTimer === undefined) {
      this.#gateTimer = setTimeout(this.#openGate, wait);
      this.#gateTimer.unref?.();
    }
  }
}
