import { quoted } from '@ferret/ratelimit/options';
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

// A decimal number: no hex, no trailing junk, no "Infinity".
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// Variables already warned about in this process: only two names are ever added.
const warned = new Set<string>();

/**
 * Builds {@link createRateLimitedSampler} from the environment:
 *
 * 1. `FERRET_SAMPLER_MAX_TRACES_PER_SECOND`, else
 * 2. `OTEL_TRACES_SAMPLER_ARG` when `OTEL_TRACES_SAMPLER=ferret_ratelimited`, else
 * 3. the default, 100 traces per second.
 *
 * A malformed value (not a finite decimal number > 0) never throws: it is reported once per
 * variable with `process.emitWarning` (code `FERRET_INVALID_ENV`) naming the variable, and
 * ignored. Empty values count as unset. `options` supplies the rest (clock, meterProvider, burst).
 */
export function samplerFromEnv(
  env: Record<string, string | undefined> = process.env,
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

function readRate(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isFinite(value) && value > 0) return value;
  if (!warned.has(name)) {
    warned.add(name);
    process.emitWarning(
      `Ignoring ${name}=${quoted(raw)}: expected a number of traces per second > 0; using ${DEFAULT_MAX_TRACES_PER_SECOND} unless another setting applies`,
      { type: 'FerretWarning', code: 'FERRET_INVALID_ENV' },
    );
  }
  return undefined;
}
