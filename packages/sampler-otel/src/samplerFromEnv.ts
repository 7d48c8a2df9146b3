import { readEnvNumber } from '@ferret/internal';
import type { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { createRateLimitedSampler } from './createRateLimitedSampler.js';
import {
  DEFAULT_MAX_TRACES_PER_SECOND,
  type RateLimitingSamplerOptions,
} from './RateLimitingSampler.js';

/** Our own variable: root spans sampled per second. */
export const ENV_MAX_TRACES_PER_SECOND = 'FERRET_SAMPLER_MAX_TRACES_PER_SECOND';

/**
 * The `OTEL_TRACES_SAMPLER` value that selects this sampler. It is ours, not one the OpenTelemetry
 * spec defines, so only {@link samplerFromEnv} understands it; `OTEL_TRACES_SAMPLER_ARG` is then
 * read as traces per second.
 */
export const OTEL_TRACES_SAMPLER_FERRET = 'ferret_ratelimited';

/**
 * Builds {@link createRateLimitedSampler} from the environment:
 *
 * 1. `FERRET_SAMPLER_MAX_TRACES_PER_SECOND`, else
 * 2. `OTEL_TRACES_SAMPLER_ARG` when `OTEL_TRACES_SAMPLER=ferret_ratelimited`, else
 * 3. the default, 100 traces per second.
 *
 * A malformed value (not a finite decimal number > 0) never throws: it is reported once per
 * variable with `process.emitWarning` (code `FERRET_ENV`) naming the variable, and ignored.
 * Empty values count as unset. `options` supplies the rest (clock, meterProvider, burst).
 */
export function samplerFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Omit<RateLimitingSamplerOptions, 'maxTracesPerSecond' | 'bucket'> = {},
): ParentBasedSampler {
  const maxTracesPerSecond =
    readRate(env, ENV_MAX_TRACES_PER_SECOND) ??
    (env.OTEL_TRACES_SAMPLER?.trim() === OTEL_TRACES_SAMPLER_FERRET
      ? readRate(env, 'OTEL_TRACES_SAMPLER_ARG')
      : undefined) ??
    DEFAULT_MAX_TRACES_PER_SECOND;
  return createRateLimitedSampler({ ...options, maxTracesPerSecond });
}

function readRate(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): number | undefined {
  return readEnvNumber(
    env,
    name,
    { min: 0, excludeMin: true },
    `${DEFAULT_MAX_TRACES_PER_SECOND} unless another setting applies`,
  );
}
