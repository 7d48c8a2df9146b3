import { readEnvBoolean, readEnvNumber } from '@ferret/internal';

/** Settings read by {@link rateLimitConfigFromEnv}; fits `KeyedRateLimiter` options as is. */
export interface RateLimitEnvConfig {
  /** `FERRET_RATE_LIMIT_ENABLED` (alias `RATE_LIMIT_ENABLED`), default `true`. */
  enabled: boolean;
  /** `FERRET_RATE_LIMIT_BURST` (alias `RATE_LIMIT_CAPACITY`), default 100. */
  capacity: number;
  /** `FERRET_RATE_LIMIT_PER_SECOND` (alias `RATE_LIMIT_REFILL_RATE`), tokens per second, default 10. */
  ratePerSecond: number;
}

/** The values used when a variable is unset or malformed. */
export const RATE_LIMIT_ENV_DEFAULTS: Readonly<RateLimitEnvConfig> = Object.freeze({
  enabled: true,
  capacity: 100,
  ratePerSecond: 10,
});

/**
 * Reads rate-limit settings from the environment. Each variable has a `FERRET_` name and the
 * name it had in the ad server it comes from, still accepted as an alias (the `FERRET_` name
 * wins when both are set):
 *
 * | variable (alias) | meaning | default |
 * | --- | --- | --- |
 * | `FERRET_RATE_LIMIT_ENABLED` (`RATE_LIMIT_ENABLED`) | `true/false`, `1/0`, `yes/no`, `on/off` (any case) | `true` |
 * | `FERRET_RATE_LIMIT_BURST` (`RATE_LIMIT_CAPACITY`) | burst (bucket capacity), a number >= 1 | `100` |
 * | `FERRET_RATE_LIMIT_PER_SECOND` (`RATE_LIMIT_REFILL_RATE`) | tokens per second, a number >= 0 | `10` |
 *
 * A malformed value never throws (configuration must not take a service down): the default is
 * used and a warning naming the variable is emitted once per variable per process
 * (`process.emitWarning`, code `FERRET_ENV`). Empty or unset means default, silently.
 *
 * @example
 * const limiter = new KeyedRateLimiter(rateLimitConfigFromEnv());
 */
export function rateLimitConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RateLimitEnvConfig {
  const defaults = RATE_LIMIT_ENV_DEFAULTS;
  return {
    enabled:
      readEnvBoolean(
        env,
        ['FERRET_RATE_LIMIT_ENABLED', 'RATE_LIMIT_ENABLED'],
        `the default ${defaults.enabled}`,
      ) ?? defaults.enabled,
    capacity:
      readEnvNumber(
        env,
        ['FERRET_RATE_LIMIT_BURST', 'RATE_LIMIT_CAPACITY'],
        { min: 1 },
        `the default ${defaults.capacity}`,
      ) ?? defaults.capacity,
    ratePerSecond:
      readEnvNumber(
        env,
        ['FERRET_RATE_LIMIT_PER_SECOND', 'RATE_LIMIT_REFILL_RATE'],
        { min: 0 },
        `the default ${defaults.ratePerSecond}`,
      ) ?? defaults.ratePerSecond,
  };
}
