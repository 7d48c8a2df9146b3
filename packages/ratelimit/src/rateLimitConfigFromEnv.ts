import { quoted } from './validate.js';

/** Settings read by {@link rateLimitConfigFromEnv}; fits `KeyedRateLimiter` options as is. */
export interface RateLimitEnvConfig {
  /** `RATE_LIMIT_ENABLED`, default `true`. */
  enabled: boolean;
  /** `RATE_LIMIT_CAPACITY`, default 100. */
  capacity: number;
  /** `RATE_LIMIT_REFILL_RATE` (tokens per second), default 10. */
  ratePerSecond: number;
}

/** The values used when a variable is unset or malformed. */
export const RATE_LIMIT_ENV_DEFAULTS: Readonly<RateLimitEnvConfig> = Object.freeze({
  enabled: true,
  capacity: 100,
  ratePerSecond: 10,
});

// Process-wide: a malformed variable is reported once, however many limiters read it.
const warned = new Set<string>();

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Reads rate-limit settings from the environment:
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `RATE_LIMIT_ENABLED` | `true/false`, `1/0`, `yes/no`, `on/off` (any case) | `true` |
 * | `RATE_LIMIT_CAPACITY` | burst, a number >= 1 | `100` |
 * | `RATE_LIMIT_REFILL_RATE` | tokens per second, a number >= 0 | `10` |
 *
 * A malformed value never throws (configuration must not take a service down): the default is
 * used and a warning naming the variable is emitted once per variable per process
 * (`process.emitWarning`, code `FERRET_RATE_LIMIT_ENV`). Empty or unset means default, silently.
 *
 * @example
 * const limiter = new KeyedRateLimiter(rateLimitConfigFromEnv());
 */
export function rateLimitConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): RateLimitEnvConfig {
  return {
    enabled: read(
      env,
      'RATE_LIMIT_ENABLED',
      RATE_LIMIT_ENV_DEFAULTS.enabled,
      parseBoolean,
      'a boolean (true/false, 1/0, yes/no, on/off)',
    ),
    capacity: read(
      env,
      'RATE_LIMIT_CAPACITY',
      RATE_LIMIT_ENV_DEFAULTS.capacity,
      (v) => parseNumber(v, 1),
      'a number >= 1',
    ),
    ratePerSecond: read(
      env,
      'RATE_LIMIT_REFILL_RATE',
      RATE_LIMIT_ENV_DEFAULTS.ratePerSecond,
      (v) => parseNumber(v, 0),
      'a number >= 0',
    ),
  };
}

function read<T>(
  env: Record<string, string | undefined>,
  name: string,
  fallback: T,
  parse: (value: string) => T | undefined,
  expected: string,
): T {
  const raw = env?.[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = parse(raw.trim());
  if (value !== undefined) return value;
  if (!warned.has(name)) {
    warned.add(name);
    process.emitWarning(
      `Ignoring ${name}=${quoted(raw)}: expected ${expected}; using the default ${fallback}`,
      {
        code: 'FERRET_RATE_LIMIT_ENV',
      },
    );
  }
  return fallback;
}

function parseBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  return undefined;
}

function parseNumber(value: string, min: number): number | undefined {
  if (!DECIMAL.test(value)) return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= min ? number : undefined;
}
