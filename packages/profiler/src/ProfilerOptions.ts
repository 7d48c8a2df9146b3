import { randomUUID } from 'node:crypto';
import {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertKnownOptions,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveNumber,
  assertTextOption,
  assertTimerMs,
  checkRateAndCapacity,
  describe,
  MAX_RUN_ID_LENGTH,
  optionKeys,
} from '@ferret/internal';
import type { Clock, RateBucket } from '@ferret/ratelimit';
import type { ExternalContext } from './ExternalContext.js';
import type { ProfilerError } from './ProfilerError.js';
import { readEnvironmentDefaults } from './readEnvironmentDefaults.js';
import type { SpanSink } from './SpanSink.js';

/** Options of {@link Profiler}. Every one is optional. */
export interface ProfilerOptions {
  /**
   * The budget: recorded spans (roots and children) per second. `Infinity` records everything,
   * `0` records nothing (calls are still counted). Default: `FERRET_MAX_SPANS_PER_SECOND`, else 1000.
   */
  maxSpansPerSecond?: number;
  /** Most spans recorded in one burst (bucket capacity). Default `max(1, maxSpansPerSecond)`. */
  burst?: number;
  /**
   * A bucket to take the budget from instead of building one, e.g. a `SharedTokenBucket` shared
   * by worker threads. Excludes `maxSpansPerSecond` and `burst`.
   */
  bucket?: RateBucket;
  /** Most recorded spans in one trace; further descendants are not recorded and counted on the root. Default 1000. */
  maxSpansPerTrace?: number;
  /** Most distinct root names tracked for counts and fairness; more go to `(other)`. Default 1000. */
  maxNames?: number;
  /** Where finished spans and counts go. Default: none (spans are counted, then discarded). */
  sink?: SpanSink;
  /** Id of this execution, on every record. Default: a random UUID. */
  runId?: string;
  /** Called with every internal failure. Default: one `process.emitWarning` per error code. */
  onError?: (error: ProfilerError) => void;
  /**
   * Monotonic milliseconds for the budget and durations; only differences between readings
   * matter, so it may start anywhere (negative included). Default `performance.now`.
   */
  clock?: Clock;
  /** `false` makes the profiler a pure pass-through. Default: `FERRET_ENABLED`, else `true`. */
  enabled?: boolean;
  /** Most finished spans waiting for the sink; more are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  /** Spans per `sink.write()`; a full batch is flushed at once (`setImmediate`). Default 512. */
  maxBatchSize?: number;
  /** Interval of the background flush of spans and counts (unref'd timer), ms. Default 1000. */
  flushIntervalMs?: number;
  /** How long one sink call may take before it is given up on, ms. Default 5000. */
  sinkTimeoutMs?: number;
  /** Length of the fairness and weight window, ms. Default 1000. */
  windowMs?: number;
  /**
   * Longest span name stored, in UTF-16 code units; a longer name is cut (its last character
   * `…`), counted in `stats().truncatedNames`, and root calls are counted under the cut name.
   * Default 1024.
   */
  maxNameLength?: number;
  /** Most attributes kept on one span; further ones are dropped and counted. Default 128. */
  maxAttributes?: number;
  /** Longest attribute key stored; longer keys are cut and counted. Default 256. */
  maxAttributeKeyLength?: number;
  /**
   * Longest attribute string stored (also each string of an array), and most items of an array
   * value; longer ones are cut and counted in `stats().truncatedAttributes`. Default 4096.
   */
  maxAttributeValueLength?: number;
  /** Flush pending spans on `beforeExit` and (synchronously) on `exit`. Default `true`. */
  flushOnExit?: boolean;
  /**
   * Another tracer's context (OpenTelemetry) to join: `measure()` outside any Ferret span nests
   * under that tracer's current span, and that tracer sees recorded spans as current. Default: none.
   */
  externalContext?: ExternalContext;
  /**
   * Watch the event loop from a worker thread and record a `ferret.stall` span whenever it is
   * blocked longer than this many milliseconds (see the stall watchdog in the docs). Default: off.
   */
  stallThresholdMs?: number;
  /**
   * With {@link stallThresholdMs}: also capture the JavaScript stack of a stall, by pausing the
   * main thread for an instant through the inspector (at most once a second). Default `true`.
   */
  captureStallStacks?: boolean;
}

/** Options after defaults, environment and checks. @internal */
export interface ResolvedProfilerOptions {
  maxSpansPerSecond: number;
  burst: number;
  bucket: RateBucket | undefined;
  maxSpansPerTrace: number;
  maxNames: number;
  sink: SpanSink | undefined;
  runId: string;
  onError: ((error: ProfilerError) => void) | undefined;
  clock: Clock | undefined;
  enabled: boolean;
  maxQueueSize: number;
  maxNameLength: number;
  maxAttributes: number;
  maxAttributeKeyLength: number;
  maxAttributeValueLength: number;
  externalContext: ExternalContext | undefined;
  maxBatchSize: number;
  flushIntervalMs: number;
  sinkTimeoutMs: number;
  windowMs: number;
  flushOnExit: boolean;
  stallThresholdMs: number | undefined;
  captureStallStacks: boolean;
}

/** Every key of {@link ProfilerOptions}: any other key is refused (a misspelt option). */
const OPTION_KEYS = optionKeys<ProfilerOptions>({
  maxSpansPerSecond: true,
  burst: true,
  bucket: true,
  maxSpansPerTrace: true,
  maxNames: true,
  sink: true,
  runId: true,
  onError: true,
  clock: true,
  enabled: true,
  maxQueueSize: true,
  maxBatchSize: true,
  flushIntervalMs: true,
  sinkTimeoutMs: true,
  windowMs: true,
  maxNameLength: true,
  maxAttributes: true,
  maxAttributeKeyLength: true,
  maxAttributeValueLength: true,
  flushOnExit: true,
  externalContext: true,
  stallThresholdMs: true,
  captureStallStacks: true,
});

const DEFAULT_MAX_SPANS_PER_SECOND = 1000;
/**
 * Largest `stallThresholdMs`: a day. The watchdog's heartbeat arithmetic is 32-bit milliseconds,
 * and a day stays far from wrapping.
 */
export const MAX_STALL_THRESHOLD_MS = 86_400_000;

/**
 * Applies defaults (environment first) and checks every option, throwing a `TypeError` or
 * `RangeError` that names the option and says why.
 * @internal
 */
export function resolveProfilerOptions(
  options: ProfilerOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedProfilerOptions {
  assertOptionsObject('options', options);
  assertKnownOptions('Profiler', options, OPTION_KEYS);
  const o = options ?? {};
  const fromEnv = readEnvironmentDefaults(env);

  const bucket = o.bucket;
  if (bucket !== undefined) {
    if (
      bucket === null ||
      typeof bucket !== 'object' ||
      typeof bucket.tryTake !== 'function' ||
      typeof bucket.forceTake !== 'function' ||
      typeof bucket.available !== 'function'
    ) {
      throw new TypeError(
        `Expected \`bucket\` to be a RateBucket (tryTake, forceTake, available), got ${describe(bucket)}`,
      );
    }
    if (o.maxSpansPerSecond !== undefined || o.burst !== undefined) {
      throw new TypeError('Expected either `bucket` or `maxSpansPerSecond`/`burst`, not both');
    }
  }

  let maxSpansPerSecond: number;
  if (bucket !== undefined) {
    maxSpansPerSecond = bucket.ratePerSecond;
  } else if (o.maxSpansPerSecond !== undefined) {
    maxSpansPerSecond = o.maxSpansPerSecond;
    assertNumberAtLeast('maxSpansPerSecond', maxSpansPerSecond, 0, { allowInfinity: true });
  } else {
    maxSpansPerSecond = fromEnv.maxSpansPerSecond ?? DEFAULT_MAX_SPANS_PER_SECOND;
  }

  let burst: number;
  if (bucket !== undefined) burst = bucket.capacity;
  else
    burst = checkRateAndCapacity(maxSpansPerSecond, o.burst, 'maxSpansPerSecond', 'burst').capacity;

  const maxSpansPerTrace = integer('maxSpansPerTrace', o.maxSpansPerTrace, 1000);
  const maxNames = integer('maxNames', o.maxNames, 1000);
  const maxQueueSize = integer('maxQueueSize', o.maxQueueSize, 2048);
  const maxBatchSize = integer('maxBatchSize', o.maxBatchSize, Math.min(512, maxQueueSize));
  if (maxBatchSize > maxQueueSize) {
    throw new RangeError(
      `Expected \`maxBatchSize\` to be <= \`maxQueueSize\` (${maxQueueSize}), got ${maxBatchSize}`,
    );
  }
  const maxNameLength = integer('maxNameLength', o.maxNameLength, 1024);
  const maxAttributes = integer('maxAttributes', o.maxAttributes, 128);
  const maxAttributeKeyLength = integer('maxAttributeKeyLength', o.maxAttributeKeyLength, 256);
  const maxAttributeValueLength = integer(
    'maxAttributeValueLength',
    o.maxAttributeValueLength,
    4096,
  );
  const flushIntervalMs = timerMs('flushIntervalMs', o.flushIntervalMs, 1000);
  const sinkTimeoutMs = timerMs('sinkTimeoutMs', o.sinkTimeoutMs, 5000);
  const windowMs = positive('windowMs', o.windowMs, 1000);

  const sink = o.sink;
  if (sink !== undefined && (sink === null || typeof sink !== 'object' || !hasWrite(sink))) {
    throw new TypeError(
      `Expected \`sink\` to be a SpanSink with a write() method, got ${describe(sink)}`,
    );
  }
  const runId = o.runId ?? randomUUID();
  assertTextOption('runId', runId, MAX_RUN_ID_LENGTH);
  if (o.onError !== undefined) assertFunction('onError', o.onError);
  if (o.clock !== undefined) assertFunction('clock', o.clock);
  const enabled = o.enabled ?? fromEnv.enabled ?? true;
  assertBoolean('enabled', enabled);
  const flushOnExit = o.flushOnExit ?? true;
  assertBoolean('flushOnExit', flushOnExit);
  const stallThresholdMs = o.stallThresholdMs;
  if (stallThresholdMs !== undefined) {
    assertNumberAtLeast('stallThresholdMs', stallThresholdMs, 1);
    if (stallThresholdMs > MAX_STALL_THRESHOLD_MS) {
      throw new RangeError(
        `Expected \`stallThresholdMs\` to be at most ${MAX_STALL_THRESHOLD_MS} (a day), got ${stallThresholdMs}`,
      );
    }
  }
  const captureStallStacks = o.captureStallStacks ?? true;
  assertBoolean('captureStallStacks', captureStallStacks);
  const externalContext = o.externalContext;
  if (
    externalContext !== undefined &&
    (externalContext === null ||
      typeof externalContext !== 'object' ||
      typeof externalContext.activeSpan !== 'function' ||
      typeof externalContext.runWithSpan !== 'function')
  ) {
    throw new TypeError(
      `Expected \`externalContext\` to have activeSpan() and runWithSpan() methods, got ${describe(externalContext)}`,
    );
  }
  return {
    externalContext,
    maxSpansPerSecond,
    burst,
    bucket,
    maxSpansPerTrace,
    maxNames,
    sink,
    runId,
    onError: o.onError,
    clock: o.clock,
    enabled,
    maxQueueSize,
    maxNameLength,
    maxAttributes,
    maxAttributeKeyLength,
    maxAttributeValueLength,
    maxBatchSize,
    flushIntervalMs,
    sinkTimeoutMs,
    windowMs,
    flushOnExit,
    stallThresholdMs,
    captureStallStacks,
  };
}

/** Checks a run-time budget change (`Profiler.setMaxSpansPerSecond`). @internal */
export function checkBudget(maxSpansPerSecond: unknown, burst: unknown): void {
  checkRateAndCapacity(maxSpansPerSecond, burst, 'maxSpansPerSecond', 'burst');
}

function integer(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertIntegerAtLeast(option, value, 1);
  return value;
}

function timerMs(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertTimerMs(option, value);
  return value;
}

function positive(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertPositiveNumber(option, value);
  return value;
}

/**
 * Whether `sink.write` is a function. A member that cannot be read now (a getter or proxy trap
 * that throws) is accepted: the flusher guards every access and counts what fails.
 */
function hasWrite(sink: object): boolean {
  try {
    return typeof (sink as { write?: unknown }).write === 'function';
  } catch {
    return true;
  }
}
