import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The warn-once memory is module state (in @ferret/internal): each test loads fresh copies.
async function load() {
  vi.resetModules();
  return import('../src/fleetBudgetConfigFromEnv.js');
}

let warnings: Array<{ message: string; code: unknown }>;
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning, options) => {
    warnings.push({ message: String(warning), code: (options as { code?: string })?.code });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('fleetBudgetConfigFromEnv', () => {
  it('has defaults for an empty environment, silently', async () => {
    const { fleetBudgetConfigFromEnv } = await load();
    expect(fleetBudgetConfigFromEnv({})).toEqual({
      redisUrl: undefined,
      key: 'ferret:spans',
      ratePerSecond: 1000,
      burst: 1000,
      expectedReplicas: 1,
    });
    expect(warnings).toEqual([]);
  });

  it('reads every variable', async () => {
    const { fleetBudgetConfigFromEnv } = await load();
    const config = fleetBudgetConfigFromEnv({
      FERRET_REDIS_URL: 'rediss://user:secret@redis.internal:6380/2',
      FERRET_FLEET_KEY: 'checkout:spans',
      FERRET_FLEET_RATE_PER_SECOND: '0.5',
      FERRET_FLEET_BURST: '20',
      FERRET_FLEET_REPLICAS: '8',
    });
    expect(config).toEqual({
      redisUrl: 'rediss://user:secret@redis.internal:6380/2',
      key: 'checkout:spans',
      ratePerSecond: 0.5,
      burst: 20,
      expectedReplicas: 8,
    });
    expect(fleetBudgetConfigFromEnv({ FERRET_REDIS_URL: '/run/redis/redis.sock' }).redisUrl).toBe(
      '/run/redis/redis.sock',
    );
    expect(fleetBudgetConfigFromEnv({ FERRET_FLEET_RATE_PER_SECOND: '0.5' }).burst).toBe(1);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['FERRET_FLEET_KEY', 'a\u001b[31mkey', 'key', 'ferret:spans'],
    ['FERRET_FLEET_KEY', 'k'.repeat(257), 'key', 'ferret:spans'],
    // A C1 control (CSI) is a control character too: terminals read it as ESC [.
    ['FERRET_FLEET_KEY', 'a\u009b31mkey', 'key', 'ferret:spans'],
    ['FERRET_FLEET_KEY', 'nul\u0000key', 'key', 'ferret:spans'],
    ['FERRET_FLEET_RATE_PER_SECOND', '-1', 'ratePerSecond', 1000],
    ['FERRET_FLEET_RATE_PER_SECOND', 'Infinity', 'ratePerSecond', 1000],
    ['FERRET_FLEET_BURST', '0.5', 'burst', 1000],
    ['FERRET_FLEET_REPLICAS', '2.5', 'expectedReplicas', 1],
    ['FERRET_FLEET_REPLICAS', '0', 'expectedReplicas', 1],
  ] as const)(
    '%s=%j: the default, and one warning naming the variable',
    async (name, value, field, fallback) => {
      const { fleetBudgetConfigFromEnv } = await load();
      for (let i = 0; i < 3; i++) {
        expect(fleetBudgetConfigFromEnv({ [name]: value })[field]).toBe(fallback);
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.code).toBe('FERRET_ENV');
      expect(warnings[0]!.message).toMatch(new RegExp(`^Ignoring ${name}=`));
      // Control characters from the environment never reach the log as they are.
      for (const control of ['\u0000', '\u001b', '\u009b']) {
        expect(warnings[0]!.message).not.toContain(control);
      }
    },
  );

  it.each([
    'http://user:hunter2@redis:6379',
    'redis://user:hunter2@[::1',
    'user:hunter2@redis',
    `redis://user:hunter2@${'h'.repeat(3000)}`,
    'redis://user:hunter2@redis\u009b:6379',
    'redis://user:hunter2@redis\u0007:6379',
  ])('FERRET_REDIS_URL=%j: unset, and one warning that does not show the value', async (url) => {
    const { fleetBudgetConfigFromEnv } = await load();
    expect(fleetBudgetConfigFromEnv({ FERRET_REDIS_URL: url }).redisUrl).toBeUndefined();
    expect(fleetBudgetConfigFromEnv({ FERRET_REDIS_URL: url }).redisUrl).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('FERRET_ENV');
    expect(warnings[0]!.message).toMatch(/^Ignoring FERRET_REDIS_URL \(value not shown\)/);
    expect(warnings[0]!.message).not.toContain('hunter2');
  });
});
