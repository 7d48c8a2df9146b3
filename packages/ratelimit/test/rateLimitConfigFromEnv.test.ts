import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The "warn once" memory is module state: each test loads a fresh copy of the module.
async function load() {
  vi.resetModules();
  return (await import('../src/rateLimitConfigFromEnv.js')).rateLimitConfigFromEnv;
}

let warnings: string[];
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => {
    warnings.push(String(warning));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('rateLimitConfigFromEnv', () => {
  it('uses the defaults for an empty environment, silently', async () => {
    const fromEnv = await load();
    expect(fromEnv({})).toEqual({ enabled: true, capacity: 100, ratePerSecond: 10 });
    expect(fromEnv({ RATE_LIMIT_CAPACITY: '  ' })).toEqual({
      enabled: true,
      capacity: 100,
      ratePerSecond: 10,
    });
    expect(warnings).toEqual([]);
  });

  it('reads well-formed values', async () => {
    const fromEnv = await load();
    expect(
      fromEnv({
        RATE_LIMIT_ENABLED: 'OFF',
        RATE_LIMIT_CAPACITY: '250',
        RATE_LIMIT_REFILL_RATE: '0.5',
      }),
    ).toEqual({ enabled: false, capacity: 250, ratePerSecond: 0.5 });
    expect(fromEnv({ RATE_LIMIT_ENABLED: ' yes ' }).enabled).toBe(true);
    expect(fromEnv({ RATE_LIMIT_ENABLED: '0' }).enabled).toBe(false);
    expect(fromEnv({ RATE_LIMIT_REFILL_RATE: '0' }).ratePerSecond).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('falls back to the default for malformed values and warns once per variable, naming it', async () => {
    const fromEnv = await load();
    const bad = {
      RATE_LIMIT_ENABLED: 'maybe',
      RATE_LIMIT_CAPACITY: '-5',
      RATE_LIMIT_REFILL_RATE: 'ten',
    };
    expect(fromEnv(bad)).toEqual({ enabled: true, capacity: 100, ratePerSecond: 10 });
    expect(fromEnv(bad)).toEqual({ enabled: true, capacity: 100, ratePerSecond: 10 });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/RATE_LIMIT_ENABLED="maybe".*default true/);
    expect(warnings[1]).toMatch(/RATE_LIMIT_CAPACITY="-5".*default 100/);
    expect(warnings[2]).toMatch(/RATE_LIMIT_REFILL_RATE="ten".*default 10/);
  });

  it.each(['NaN', 'Infinity', '0x10', '0.5', '12abc', ''])(
    'rejects capacity %j (or treats empty as unset)',
    async (value) => {
      const fromEnv = await load();
      expect(fromEnv({ RATE_LIMIT_CAPACITY: value }).capacity).toBe(100);
      expect(warnings).toHaveLength(value === '' ? 0 : 1);
    },
  );

  it('reads the FERRET_ names first, the ad-server names as aliases', async () => {
    const fromEnv = await load();
    expect(
      fromEnv({
        FERRET_RATE_LIMIT_ENABLED: 'false',
        FERRET_RATE_LIMIT_BURST: '1e3',
        FERRET_RATE_LIMIT_PER_SECOND: '2.5',
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_CAPACITY: '7',
        RATE_LIMIT_REFILL_RATE: '3',
      }),
    ).toEqual({ enabled: false, capacity: 1000, ratePerSecond: 2.5 });
    expect(fromEnv({ FERRET_RATE_LIMIT_BURST: ' ', RATE_LIMIT_CAPACITY: '7' }).capacity).toBe(7);
    expect(warnings).toEqual([]);
  });

  it('names the variable that was read in the warning, with code FERRET_ENV', async () => {
    const fromEnv = await load();
    const codes: unknown[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((warning, options) => {
      warnings.push(String(warning));
      codes.push((options as { code?: string }).code);
    });
    expect(fromEnv({ FERRET_RATE_LIMIT_BURST: '0', RATE_LIMIT_CAPACITY: '7' }).capacity).toBe(100);
    expect(warnings).toEqual([
      'Ignoring FERRET_RATE_LIMIT_BURST="0": expected a number >= 1; using the default 100',
    ]);
    expect(codes).toEqual(['FERRET_ENV']);
  });

  it('reads process.env by default', async () => {
    const fromEnv = await load();
    vi.stubEnv('RATE_LIMIT_CAPACITY', '42');
    try {
      expect(fromEnv().capacity).toBe(42);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
