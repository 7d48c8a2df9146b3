// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used (`maxTracePerSecond: 5` sampled 100/s).
import { describe, expect, it } from 'vitest';
import {
  ConsistentRateLimitingSampler,
  createRateLimitedSampler,
  RateLimitingSampler,
  samplerFromEnv,
} from '../src/index.js';

describe('the samplers refuse a misspelt option', () => {
  it('RateLimitingSampler and createRateLimitedSampler', () => {
    const message =
      'Unknown option "maxTracePerSecond" for RateLimitingSampler (did you mean `maxTracesPerSecond`?); known options: maxTracesPerSecond, burst, bucket, clock, meterProvider';
    expect(() => new RateLimitingSampler({ maxTracePerSecond: 5 } as never)).toThrow(
      new TypeError(message),
    );
    expect(() => createRateLimitedSampler({ maxTracePerSecond: 5 } as never)).toThrow(
      new TypeError(message),
    );
  });

  it('ConsistentRateLimitingSampler', () => {
    expect(() => new ConsistentRateLimitingSampler({ targetTracesPerSec: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "targetTracesPerSec" for ConsistentRateLimitingSampler (did you mean `targetTracesPerSecond`?); known options: targetTracesPerSecond, adaptationTimeMs, clock',
      ),
    );
  });

  it('samplerFromEnv, whichever sampler the environment names', () => {
    for (const OTEL_TRACES_SAMPLER of ['ferret_ratelimited', 'ferret_consistent_ratelimited']) {
      expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER }, { brust: 5 } as never)).toThrow(
        new TypeError(
          'Unknown option "brust" for samplerFromEnv (did you mean `burst`?); known options: burst, clock, meterProvider',
        ),
      );
    }
  });
});
