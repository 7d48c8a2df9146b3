import { readEnvNumber, readEnvString, textSettingProblem } from '@ferret/internal';

/** Settings read by {@link fleetBudgetConfigFromEnv}: the Redis URL and `LeasedTokenBucket` options. */
export interface FleetBudgetEnvConfig {
  /**
   * `FERRET_REDIS_URL`: where the shared bucket lives. `undefined` when unset (or malformed):
   * `new Redis(undefined)` connects to `127.0.0.1:6379`, ioredis's default.
   */
  redisUrl: string | undefined;
  /** `FERRET_FLEET_KEY`: the Redis key of the shared bucket, the same in every process. Default `ferret:spans`. */
  key: string;
  /** `FERRET_FLEET_RATE_PER_SECOND`: the whole fleet's budget, tokens per second. Default 1000. */
  ratePerSecond: number;
  /** `FERRET_FLEET_BURST`: the shared bucket's burst. Default `max(1, ratePerSecond)`. */
  burst: number;
  /** `FERRET_FLEET_REPLICAS`: processes expected to share the budget (each one's fallback share is `rate ÷ replicas`). Default 1. */
  expectedReplicas: number;
}

/** The values used when a variable is unset or malformed (`burst` follows the rate). */
export const FLEET_BUDGET_ENV_DEFAULTS: Readonly<Omit<FleetBudgetEnvConfig, 'burst'>> =
  Object.freeze({
    redisUrl: undefined,
    key: 'ferret:spans',
    ratePerSecond: 1000,
    expectedReplicas: 1,
  });

/** Longest accepted `FERRET_REDIS_URL` and `FERRET_FLEET_KEY`: values from the environment are bounded. */
const MAX_URL_LENGTH = 2048;
const MAX_KEY_LENGTH = 256;

/**
 * Reads the settings of a fleet budget from the environment, for
 * `new LeasedTokenBucket({ redis: new Redis(redisUrl), ...rest })` in every replica:
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `FERRET_REDIS_URL` | `redis://` or `rediss://` URL, or a Unix socket path (`/run/redis.sock`); at most 2048 characters, no control characters | unset: ioredis's default `127.0.0.1:6379` |
 * | `FERRET_FLEET_KEY` | the shared bucket's Redis key: 1 to 256 characters, no control characters (C0, DEL or C1) | `ferret:spans` |
 * | `FERRET_FLEET_RATE_PER_SECOND` | the fleet's budget, a number >= 0 | `1000` |
 * | `FERRET_FLEET_BURST` | the shared bucket's burst, a number >= 1 | `max(1, rate)` |
 * | `FERRET_FLEET_REPLICAS` | replicas expected to share the budget, a whole number >= 1 | `1` |
 *
 * A malformed value never throws (configuration must not take a service down): the default is
 * used and a warning naming the variable is emitted once per variable per process
 * (`process.emitWarning`, code `FERRET_ENV`); the warning about `FERRET_REDIS_URL` does not show
 * the value, which may hold a password. Empty or unset means default, silently.
 *
 * @example
 * const { redisUrl, ...budget } = fleetBudgetConfigFromEnv();
 * const redis = new Redis(redisUrl ?? 'redis://127.0.0.1:6379');
 * const profiler = new Profiler({ bucket: new LeasedTokenBucket({ redis, ...budget }) });
 */
export function fleetBudgetConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): FleetBudgetEnvConfig {
  const defaults = FLEET_BUDGET_ENV_DEFAULTS;
  const redisUrl = readEnvString(
    env,
    'FERRET_REDIS_URL',
    isRedisUrl,
    `a redis:// or rediss:// URL or a socket path of at most ${MAX_URL_LENGTH} characters`,
    "ioredis's default 127.0.0.1:6379",
    { secret: true },
  );
  const key =
    readEnvString(
      env,
      'FERRET_FLEET_KEY',
      isBucketKey,
      `1 to ${MAX_KEY_LENGTH} characters without control characters`,
      `the default ${JSON.stringify(defaults.key)}`,
    ) ?? defaults.key;
  const ratePerSecond =
    readEnvNumber(
      env,
      'FERRET_FLEET_RATE_PER_SECOND',
      { min: 0 },
      `the default ${defaults.ratePerSecond}`,
    ) ?? defaults.ratePerSecond;
  const burst =
    readEnvNumber(env, 'FERRET_FLEET_BURST', { min: 1 }, 'the default max(1, rate)') ??
    Math.max(1, ratePerSecond);
  const expectedReplicas =
    readEnvNumber(
      env,
      'FERRET_FLEET_REPLICAS',
      { min: 1, integer: true },
      `the default ${defaults.expectedReplicas}`,
    ) ?? defaults.expectedReplicas;
  return { redisUrl, key, ratePerSecond, burst, expectedReplicas };
}

function isRedisUrl(value: string): boolean {
  if (textSettingProblem(value, MAX_URL_LENGTH) !== undefined) return false;
  if (value.startsWith('/') && !value.startsWith('//')) return true; // a Unix socket path
  if (!/^rediss?:\/\//i.test(value)) return false;
  return URL.canParse(value);
}

function isBucketKey(value: string): boolean {
  return textSettingProblem(value, MAX_KEY_LENGTH) === undefined;
}
