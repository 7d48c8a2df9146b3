import {
  assertKnownOptions,
  assertOptionsObject,
  optionKeys,
  readEnvNumber,
} from '@ferret/internal';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { ConsistentRateLimitingSampler } from './ConsistentRateLimitingSampler.js';
import { createRateLimitedSampler } from './createRateLimitedSampler.js';
import {
  DEFAULT_MAX_TRACES_PER_SECOND,
  type RateLimitingSamplerOptions,
} from './RateLimitingSampler.js';

/** Our own variable: root spans sampled per second (the cap, or the consistent sampler's target). */
export const ENV_MAX_TRACES_PER_SECOND = 'FERRET_SAMPLER_MAX_TRACES_PER_SECOND';

/**
 * The `OTEL_TRACES_SAMPLER` value that selects this sampler. It is ours, not one the OpenTelemetry
 * spec defines, so only {@link samplerFromEnv} understands it; `OTEL_TRACES_SAMPLER_ARG` is then
 * read as traces per second.
 */
export const OTEL_TRACES_SAMPLER_FERRET = 'ferret_ratelimited';

/**
 * The `OTEL_TRACES_SAMPLER` value that selects {@link ConsistentRateLimitingSampler}
 * (`OTEL_TRACES_SAMPLER_ARG`: its target traces per second). Ours too, so only
 * {@link samplerFromEnv} understands it.
 */
export const OTEL_TRACES_SAMPLER_FERRET_CONSISTENT = 'ferret_consistent_ratelimited';

/**
 * The prefix OpenTelemetry's names use for a parent-based sampler (`parentbased_traceidratio`).
 * Both Ferret samplers are parent-based already, so `parentbased_ferret_ratelimited` and
 * `parentbased_ferret_consistent_ratelimited` are accepted and mean the same as without it.
 */
const PARENT_BASED_PREFIX = 'parentbased_';

/**
 * Builds a sampler from the environment. `OTEL_TRACES_SAMPLER` chooses which:
 *
 * - `ferret_consistent_ratelimited` (or `parentbased_ferret_consistent_ratelimited`): a
 *   {@link ConsistentRateLimitingSampler} (OpenTelemetry's `ot=th` consistent probability
 *   sampling; it follows a parent's decision itself), aiming at the rate below;
 * - anything else (`ferret_ratelimited`, `parentbased_ferret_ratelimited`, unset, another
 *   sampler's name): {@link createRateLimitedSampler}, capped at the rate below.
 *
 * The rate, traces per second:
 *
 * 1. `FERRET_SAMPLER_MAX_TRACES_PER_SECOND`, else
 * 2. `OTEL_TRACES_SAMPLER_ARG` when `OTEL_TRACES_SAMPLER` names a Ferret sampler, else
 * 3. the default, 100 traces per second.
 *
 * A malformed value (not a finite decimal number > 0) never throws: it is reported once per
 * variable with `process.emitWarning` (code `FERRET_ENV`) naming the variable, and ignored.
 * Empty values count as unset; the sampler name is compared trimmed and in lower case.
 * `options` supplies the rest: clock, meterProvider, burst for the rate limiter (the consistent
 * sampler takes the clock).
 */
export function samplerFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Omit<RateLimitingSamplerOptions, 'maxTracesPerSecond' | 'bucket'> = {},
): Sampler {
  assertOptionsObject('options', options);
  assertKnownOptions('samplerFromEnv', options, SAMPLER_FROM_ENV_OPTION_KEYS);
  let name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() ?? '';
  if (name.startsWith(PARENT_BASED_PREFIX)) name = name.slice(PARENT_BASED_PREFIX.length);
  const consistent = name === OTEL_TRACES_SAMPLER_FERRET_CONSISTENT;
  const rate =
    readRate(env, ENV_MAX_TRACES_PER_SECOND) ??
    (consistent || name === OTEL_TRACES_SAMPLER_FERRET
      ? readRate(env, 'OTEL_TRACES_SAMPLER_ARG')
      : undefined) ??
    DEFAULT_MAX_TRACES_PER_SECOND;
  if (consistent) {
    return new ConsistentRateLimitingSampler({
      targetTracesPerSecond: rate,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
  return createRateLimitedSampler({ ...options, maxTracesPerSecond: rate });
}

/** The options {@link samplerFromEnv} takes (the rate comes from the environment). */
const SAMPLER_FROM_ENV_OPTION_KEYS = optionKeys<
  Omit<RateLimitingSamplerOptions, 'maxTracesPerSecond' | 'bucket'>
>({ burst: true, clock: true, meterProvider: true });

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
