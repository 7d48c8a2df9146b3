import type { RateBucket } from '@ferret/ratelimit';
import type { ParentBasedSampler, Sampler } from '@opentelemetry/sdk-trace-base';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ConsistentRateLimitingSampler,
  createRateLimitedSampler,
  type OtValue,
  parseOtValue,
  RateLimitingSampler,
  type RateLimitingSamplerOptions,
  samplerFromEnv,
} from '../src/index.js';

describe('@ferret/sampler-otel types', () => {
  it('both samplers are OpenTelemetry Samplers', () => {
    expectTypeOf<RateLimitingSampler>().toExtend<Sampler>();
    expectTypeOf<ConsistentRateLimitingSampler>().toExtend<Sampler>();
  });

  it('createRateLimitedSampler returns a ParentBasedSampler; samplerFromEnv any Sampler', () => {
    expectTypeOf(createRateLimitedSampler).returns.toEqualTypeOf<ParentBasedSampler>();
    expectTypeOf(samplerFromEnv).returns.toEqualTypeOf<Sampler>();
  });

  it('a sampler shares any RateBucket and exposes it', () => {
    expectTypeOf<{ bucket: RateBucket }>().toExtend<RateLimitingSamplerOptions>();
    expectTypeOf<RateLimitingSampler['bucket']>().toEqualTypeOf<RateBucket>();
    // @ts-expect-error the budget is a number of traces per second
    new RateLimitingSampler({ maxTracesPerSecond: '10' });
  });

  it('parseOtValue reads an ot= tracestate value', () => {
    expectTypeOf(parseOtValue).parameter(0).toEqualTypeOf<string | undefined>();
    expectTypeOf(parseOtValue).returns.toEqualTypeOf<OtValue>();
  });
});
