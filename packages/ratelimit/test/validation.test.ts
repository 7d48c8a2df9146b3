import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/KeyedRateLimiter.js';
import { RateLimiter } from '../src/RateLimiter.js';
import { SharedTokenBucket } from '../src/SharedTokenBucket.js';
import { SlidingWindowLimiter } from '../src/SlidingWindowLimiter.js';
import { TokenBucket } from '../src/TokenBucket.js';
import { withRateLimit } from '../src/withRateLimit.js';

type Case = [
  description: string,
  build: () => unknown,
  error: typeof TypeError | typeof RangeError,
  message: RegExp,
];

const clock = () => 0;

const cases: Case[] = [
  [
    'TokenBucket without options',
    () => new TokenBucket(undefined as never),
    TypeError,
    /`options`/,
  ],
  [
    'TokenBucket with a string for options',
    () => new TokenBucket('fast' as never),
    TypeError,
    /`options`/,
  ],
  [
    'ratePerSecond NaN',
    () => new TokenBucket({ ratePerSecond: Number.NaN }),
    RangeError,
    /`ratePerSecond`.*NaN/,
  ],
  [
    'ratePerSecond negative',
    () => new TokenBucket({ ratePerSecond: -1 }),
    RangeError,
    /`ratePerSecond`.*>= 0.*-1/,
  ],
  [
    'ratePerSecond as a string',
    () => new TokenBucket({ ratePerSecond: '10' as never }),
    TypeError,
    /`ratePerSecond`.*string "10"/,
  ],
  [
    'capacity 0',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 0 }),
    RangeError,
    /`capacity`.*> 0/,
  ],
  [
    'capacity below one token',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 0.5 }),
    RangeError,
    /`capacity`.*>= 1/,
  ],
  [
    'capacity Infinity with a finite rate',
    () => new TokenBucket({ ratePerSecond: 1, capacity: Number.POSITIVE_INFINITY }),
    RangeError,
    /`capacity`.*finite/,
  ],
  [
    'initialTokens above capacity',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 2, initialTokens: 3 }),
    RangeError,
    /`initialTokens`/,
  ],
  [
    'initialTokens negative',
    () => new TokenBucket({ ratePerSecond: 1, initialTokens: -1 }),
    RangeError,
    /`initialTokens`/,
  ],
  [
    'clock not a function',
    () => new TokenBucket({ ratePerSecond: 1, clock: 5 as never }),
    TypeError,
    /`clock`.*function/,
  ],
  [
    'tryTake(1.5)',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 5, clock }).tryTake(1.5),
    RangeError,
    /`tokens`.*whole/,
  ],
  [
    'tryTake(0)',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 5, clock }).tryTake(0),
    RangeError,
    /`tokens`.*> 0/,
  ],
  [
    'tryTake("2")',
    () => new TokenBucket({ ratePerSecond: 1, capacity: 5, clock }).tryTake('2' as never),
    TypeError,
    /`tokens`/,
  ],
  [
    'forceTake(-1)',
    () => new TokenBucket({ ratePerSecond: 1, clock }).forceTake(-1),
    RangeError,
    /`tokens`/,
  ],
  [
    'setRate(NaN)',
    () => new TokenBucket({ ratePerSecond: 1, clock }).setRate(Number.NaN),
    RangeError,
    /`ratePerSecond`/,
  ],
  [
    'setRate with capacity 0',
    () => new TokenBucket({ ratePerSecond: 1, clock }).setRate(1, 0),
    RangeError,
    /`capacity`/,
  ],
  [
    'RateLimiter requestsPerSecond NaN',
    () => new RateLimiter({ requestsPerSecond: Number.NaN }),
    RangeError,
    /`requestsPerSecond`/,
  ],
  [
    'RateLimiter burstSize 0.5',
    () => new RateLimiter({ requestsPerSecond: 1, burstSize: 0.5 }),
    RangeError,
    /`burstSize`/,
  ],
  [
    'RateLimiter maxQueue 1.5',
    () => new RateLimiter({ requestsPerSecond: 1, maxQueue: 1.5 }),
    RangeError,
    /`maxQueue`/,
  ],
  [
    'RateLimiter maxQueue -1',
    () => new RateLimiter({ requestsPerSecond: 1, maxQueue: -1 }),
    RangeError,
    /`maxQueue`/,
  ],
  [
    'RateLimiter waitOnLimit "yes"',
    () => new RateLimiter({ requestsPerSecond: 1, waitOnLimit: 'yes' as never }),
    TypeError,
    /`waitOnLimit`/,
  ],
  [
    'RateLimiter onWait not a function',
    () => new RateLimiter({ requestsPerSecond: 1, onWait: 1 as never }),
    TypeError,
    /`onWait`/,
  ],
  [
    'RateLimiter name not a string',
    () => new RateLimiter({ requestsPerSecond: 1, name: 3 as never }),
    TypeError,
    /`name`/,
  ],
  [
    'KeyedRateLimiter ratePerSecond -5',
    () => new KeyedRateLimiter({ ratePerSecond: -5 }),
    RangeError,
    /`ratePerSecond`/,
  ],
  [
    'KeyedRateLimiter maxKeys 0',
    () => new KeyedRateLimiter({ ratePerSecond: 1, maxKeys: 0 }),
    RangeError,
    /`maxKeys`/,
  ],
  [
    'KeyedRateLimiter maxKeys Infinity',
    () => new KeyedRateLimiter({ ratePerSecond: 1, maxKeys: Number.POSITIVE_INFINITY }),
    RangeError,
    /`maxKeys`/,
  ],
  [
    'KeyedRateLimiter enabled "false"',
    () => new KeyedRateLimiter({ ratePerSecond: 1, enabled: 'false' as never }),
    TypeError,
    /`enabled`/,
  ],
  [
    'KeyedRateLimiter key not a string',
    () => new KeyedRateLimiter({ ratePerSecond: 1, metrics: false }).check(42 as never),
    TypeError,
    /`key`/,
  ],
  [
    'KeyedRateLimiter configure with NaN',
    () =>
      new KeyedRateLimiter({ ratePerSecond: 1, metrics: false }).configure('k', {
        ratePerSecond: Number.NaN,
      }),
    RangeError,
    /`ratePerSecond`/,
  ],
  [
    'SlidingWindowLimiter limit 2.5',
    () => new SlidingWindowLimiter({ limit: 2.5, windowMs: 1000 }),
    RangeError,
    /`limit`/,
  ],
  [
    'SlidingWindowLimiter limit 0',
    () => new SlidingWindowLimiter({ limit: 0, windowMs: 1000 }),
    RangeError,
    /`limit`/,
  ],
  [
    'SlidingWindowLimiter windowMs Infinity',
    () => new SlidingWindowLimiter({ limit: 1, windowMs: Number.POSITIVE_INFINITY }),
    RangeError,
    /`windowMs`.*finite/,
  ],
  [
    'SlidingWindowLimiter windowMs 0',
    () => new SlidingWindowLimiter({ limit: 1, windowMs: 0 }),
    RangeError,
    /`windowMs`/,
  ],
  [
    'SlidingWindowLimiter precision 0',
    () => new SlidingWindowLimiter({ limit: 1, windowMs: 10, precision: 0 }),
    RangeError,
    /`precision`/,
  ],
  [
    'SlidingWindowLimiter precision 5000',
    () => new SlidingWindowLimiter({ limit: 1, windowMs: 10, precision: 5000 }),
    RangeError,
    /`precision`/,
  ],
  [
    'SharedTokenBucket ratePerSecond NaN',
    () => new SharedTokenBucket({ ratePerSecond: Number.NaN }),
    RangeError,
    /`ratePerSecond`/,
  ],
  [
    'SharedTokenBucket capacity -1',
    () => new SharedTokenBucket({ ratePerSecond: 1, capacity: -1 }),
    RangeError,
    /`capacity`/,
  ],
  [
    'SharedTokenBucket tryTake above capacity',
    () => new SharedTokenBucket({ ratePerSecond: 1, capacity: 2 }).tryTake(3),
    RangeError,
    /capacity 2/,
  ],
];

describe('bad input is refused at the boundary, naming the option', () => {
  it.each(cases)('%s', (_description, build, error, message) => {
    expect(build).toThrow(error);
    expect(build).toThrow(message);
  });
});

describe('one name for the burst, with the older names as aliases', () => {
  it('`burst` sets the capacity of every bucket-backed limiter', () => {
    expect(new TokenBucket({ ratePerSecond: 1, burst: 7 }).capacity).toBe(7);
    expect(new SharedTokenBucket({ ratePerSecond: 1, burst: 7 }).capacity).toBe(7);
    expect(
      new RateLimiter({ requestsPerSecond: 1, burst: 7, metrics: false }).toString(),
    ).toContain('burst=7');
    const keyed = new KeyedRateLimiter({ ratePerSecond: 1, burst: 7, metrics: false });
    expect(keyed.usage('k').tokens).toBe(7);
    keyed.configure('vip', { ratePerSecond: 1, burst: 9 });
    expect(keyed.usage('vip').tokens).toBe(9);
  });

  it('the older names still work and mean the same', () => {
    expect(new TokenBucket({ ratePerSecond: 1, capacity: 7 }).capacity).toBe(7);
    expect(
      new RateLimiter({ requestsPerSecond: 1, burstSize: 7, metrics: false }).toString(),
    ).toContain('burst=7');
  });

  it('refuses both names at once, and names the option as written in messages', () => {
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 2, capacity: 2 })).toThrow(
      /`burst` or its alias `capacity`/,
    );
    expect(
      () => new RateLimiter({ requestsPerSecond: 1, burst: 2, burstSize: 2, metrics: false }),
    ).toThrow(TypeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 })).toThrow(/`burst` to be >= 1/);
    expect(() => new TokenBucket({ ratePerSecond: 1, capacity: 0.5 })).toThrow(
      /`capacity` to be >= 1/,
    );
  });
});

describe('a misspelt option is refused, naming it and the option it most likely meant', () => {
  // Before, an unknown key was ignored and its default used silently (a `brust: 50` ran with
  // the default burst).
  const misspelt: [string, () => unknown, RegExp][] = [
    [
      'TokenBucket',
      () => new TokenBucket({ ratePerSecond: 1, brust: 5 } as never),
      /^Unknown option "brust" for TokenBucket \(did you mean `burst`\?\); known options: ratePerSecond, burst, capacity, initialTokens, clock$/,
    ],
    [
      'RateLimiter',
      () => new RateLimiter({ requestsPerSecond: 1, maxQueu: 5 } as never),
      /^Unknown option "maxQueu" for RateLimiter \(did you mean `maxQueue`\?\)/,
    ],
    [
      'KeyedRateLimiter',
      () => new KeyedRateLimiter({ ratePerSecond: 1, maxkeys: 5 } as never),
      /^Unknown option "maxkeys" for KeyedRateLimiter \(did you mean `maxKeys`\?\)/,
    ],
    [
      'SlidingWindowLimiter',
      () => new SlidingWindowLimiter({ limit: 1, windowMs: 1000, windowMS: 5 } as never),
      /^Unknown option "windowMS" for SlidingWindowLimiter \(did you mean `windowMs`\?\)/,
    ],
    [
      'SharedTokenBucket',
      () => new SharedTokenBucket({ ratePerSecond: 1, initialToken: 1 } as never),
      /^Unknown option "initialToken" for SharedTokenBucket \(did you mean `initialTokens`\?\)/,
    ],
    [
      'SharedTokenBucket.from',
      () =>
        SharedTokenBucket.from(new SharedTokenBucket({ ratePerSecond: 1 }).buffer, {
          clok: clock,
        } as never),
      /^Unknown option "clok" for SharedTokenBucket.from \(did you mean `clock`\?\)/,
    ],
    [
      'withRateLimit with a limiter',
      () =>
        withRateLimit(async () => 1, {
          limiter: new RateLimiter({ requestsPerSecond: 1, metrics: false }),
          requestsPerSecond: 2,
        } as never),
      /^Unknown option "requestsPerSecond" for withRateLimit; known options: limiter$/,
    ],
    [
      'withRateLimit with options',
      () => withRateLimit(async () => 1, { requestPerSecond: 2 } as never),
      /^Unknown option "requestPerSecond" for RateLimiter \(did you mean `requestsPerSecond`\?\)/,
    ],
  ];
  for (const [name, build, message] of misspelt) {
    it(name, () => {
      expect(build).toThrow(TypeError);
      expect(build).toThrow(message);
    });
  }
});
