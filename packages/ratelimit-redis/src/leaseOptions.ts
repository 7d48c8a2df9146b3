import {
  assertFunction,
  assertIntegerAtLeast,
  assertPositiveNumber,
  assertTimerMs,
  optionKeys,
} from '@ferret/internal';
import { checkBucketOptions, type RedisBucketOptions } from './bucketOptions.js';
import type { RedisScriptClient } from './runBucketScript.js';

/** Options for {@link LeasedTokenBucket}. */
export interface LeasedTokenBucketOptions extends RedisBucketOptions {
  /**
   * Most tokens one process holds at a time (a lease never brings its local supply above this).
   * Give this or `leaseFraction`. Default `leaseFraction` of the burst.
   */
  leaseSize?: number;
  /** Lease size as a fraction of the burst, in (0, 1]. Default 0.1 (at least one token). */
  leaseFraction?: number;
  /**
   * How long a lease is sized to last at this process's recent demand; also how long an unused
   * supply is kept before it is given back, and how often Redis is probed while it is away. A
   * lease call not answered within half of it counts as a failure. Default 1000.
   */
  leasePeriodMs?: number;
  /** Processes expected to share the budget; sets the default fallback share. Default 1. */
  expectedReplicas?: number;
  /** Tokens per second this process grants on its own while Redis is unreachable. Default `ratePerSecond / expectedReplicas`. */
  fallbackRatePerSecond?: number;
  /** Called once per outage with the first error (Redis unreachable, a timed-out or failed lease). Never called re-entrantly from `tryTake()`. */
  onError?: (error: Error) => void;
}

/** Every key of {@link LeasedTokenBucketOptions}: any other key is refused (a misspelt option). */
const LEASE_OPTION_KEYS = optionKeys<LeasedTokenBucketOptions>({
  redis: true,
  key: true,
  ratePerSecond: true,
  burst: true,
  capacity: true,
  leaseSize: true,
  leaseFraction: true,
  leasePeriodMs: true,
  expectedReplicas: true,
  fallbackRatePerSecond: true,
  onError: true,
});

/** The checked options with every default applied. */
export interface ResolvedLeaseOptions {
  redis: RedisScriptClient;
  key: string;
  ratePerSecond: number;
  capacity: number;
  leaseSize: number;
  leaseFraction: number | undefined;
  leasePeriodMs: number;
  expectedReplicas: number;
  fallbackRatePerSecond: number | undefined;
  onError: ((error: Error) => void) | undefined;
}

const DEFAULT_LEASE_FRACTION = 0.1;
const DEFAULT_LEASE_PERIOD_MS = 1000;
/** Shortest lease period accepted: below it the background calls would dominate. */
const MIN_LEASE_PERIOD_MS = 10;

/** Checks {@link LeasedTokenBucketOptions}; throws a TypeError/RangeError naming the option. */
export function resolveLeaseOptions(options: unknown): ResolvedLeaseOptions {
  const base = checkBucketOptions(options, 'LeasedTokenBucket', LEASE_OPTION_KEYS);
  const o = options as LeasedTokenBucketOptions;
  if (o.leaseSize !== undefined && o.leaseFraction !== undefined) {
    throw new TypeError('Expected either `leaseSize` or `leaseFraction`, not both');
  }
  let leaseFraction: number | undefined;
  if (o.leaseSize === undefined) {
    leaseFraction = o.leaseFraction ?? DEFAULT_LEASE_FRACTION;
    assertPositiveNumber('leaseFraction', leaseFraction);
    if (leaseFraction > 1) {
      throw new RangeError(
        `Expected \`leaseFraction\` to be <= 1 (a lease is a part of the burst), got ${leaseFraction}`,
      );
    }
  } else {
    assertIntegerAtLeast('leaseSize', o.leaseSize, 1);
    if (o.leaseSize > base.capacity) {
      throw new RangeError(
        `Expected \`leaseSize\` to be <= burst (${base.capacity}), got ${o.leaseSize}`,
      );
    }
  }
  const leasePeriodMs = o.leasePeriodMs ?? DEFAULT_LEASE_PERIOD_MS;
  assertTimerMs('leasePeriodMs', leasePeriodMs, { min: MIN_LEASE_PERIOD_MS });
  const expectedReplicas = o.expectedReplicas ?? 1;
  assertIntegerAtLeast('expectedReplicas', expectedReplicas, 1);
  if (o.fallbackRatePerSecond !== undefined) {
    assertPositiveNumber('fallbackRatePerSecond', o.fallbackRatePerSecond, { allowZero: true });
  }
  if (o.onError !== undefined) assertFunction('onError', o.onError);
  return {
    ...base,
    leaseSize: o.leaseSize ?? leaseSizeFor(base.capacity, leaseFraction!),
    leaseFraction,
    leasePeriodMs,
    expectedReplicas,
    fallbackRatePerSecond: o.fallbackRatePerSecond,
    onError: o.onError,
  };
}

/** A lease of `fraction` of `capacity`, in whole tokens, at least one. */
export function leaseSizeFor(capacity: number, fraction: number): number {
  return Math.max(1, Math.floor(capacity * fraction));
}
