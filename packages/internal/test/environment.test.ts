import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The warn-once memory is module state: each test loads a fresh copy of the module.
async function load() {
  vi.resetModules();
  return import('../src/environment.js');
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

describe('readEnvNumber', () => {
  it.each([
    ['250', 250],
    [' 0.5 ', 0.5],
    ['+3', 3],
    ['.25', 0.25],
    ['1e3', 1000],
    ['2E-1', 0.2],
    ['7.', 7],
  ])('reads %j as %d', async (text, value) => {
    const { readEnvNumber } = await load();
    expect(readEnvNumber({ X: text }, 'X', { min: 0 }, 'the default')).toBe(value);
    expect(warnings).toEqual([]);
  });

  it('treats unset and blank as unset, silently', async () => {
    const { readEnvNumber } = await load();
    expect(readEnvNumber({}, 'X', { min: 0 }, 'the default')).toBeUndefined();
    expect(readEnvNumber({ X: ' \t' }, 'X', { min: 0 }, 'the default')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it.each(['abc', '-5', 'NaN', '0x10', '12abc', '1,5', '1e400', 'Infinity', '--1', '1 2'])(
    'refuses %j with one warning naming the variable (code FERRET_ENV)',
    async (text) => {
      const { readEnvNumber } = await load();
      for (let i = 0; i < 3; i++) {
        expect(readEnvNumber({ RATE: text }, 'RATE', { min: 0 }, 'the default 7')).toBeUndefined();
      }
      expect(warnings).toEqual([
        {
          message: `Ignoring RATE=${JSON.stringify(text)}: expected a number >= 0; using the default 7`,
          code: 'FERRET_ENV',
        },
      ]);
    },
  );

  it('accepts Infinity and inf (any case) only where the range allows it', async () => {
    const { readEnvNumber } = await load();
    const range = { min: 0, allowInfinity: true };
    expect(readEnvNumber({ X: 'Infinity' }, 'X', range, 'd')).toBe(Number.POSITIVE_INFINITY);
    expect(readEnvNumber({ X: 'INF' }, 'X', range, 'd')).toBe(Number.POSITIVE_INFINITY);
    expect(readEnvNumber({ X: '-inf' }, 'X', range, 'd')).toBeUndefined();
    expect(warnings[0]?.message).toContain('expected a number >= 0 or Infinity');
  });

  it('applies the bounds: min, and min excluded', async () => {
    const { readEnvNumber } = await load();
    expect(readEnvNumber({ A: '1' }, 'A', { min: 1 }, 'd')).toBe(1);
    expect(readEnvNumber({ B: '0.99' }, 'B', { min: 1 }, 'd')).toBeUndefined();
    expect(readEnvNumber({ C: '0' }, 'C', { min: 0, excludeMin: true }, 'd')).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      'Ignoring B="0.99": expected a number >= 1; using d',
      'Ignoring C="0": expected a number > 0; using d',
    ]);
  });

  it('applies an upper bound when the range has one', async () => {
    const { readEnvNumber } = await load();
    expect(readEnvNumber({ A: '100' }, 'A', { min: 1, max: 100 }, 'd')).toBe(100);
    expect(readEnvNumber({ B: '100.5' }, 'B', { min: 1, max: 100 }, 'd')).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      'Ignoring B="100.5": expected a number >= 1 and <= 100; using d',
    ]);
  });

  it('reads the first set name of a name and its aliases', async () => {
    const { readEnvNumber } = await load();
    const names = ['FERRET_X', 'X'];
    expect(readEnvNumber({ FERRET_X: '1', X: '2' }, names, { min: 0 }, 'd')).toBe(1);
    expect(readEnvNumber({ FERRET_X: '', X: '2' }, names, { min: 0 }, 'd')).toBe(2);
    // a malformed preferred name does not fall through to the alias: it is reported
    expect(readEnvNumber({ FERRET_X: 'x', X: '2' }, names, { min: 0 }, 'd')).toBeUndefined();
    expect(warnings[0]?.message).toMatch(/^Ignoring FERRET_X="x"/);
  });

  it('quotes an untrusted value escaped and bounded', async () => {
    const { readEnvNumber } = await load();
    readEnvNumber({ X: `\u001b[31m${'9'.repeat(500)}x` }, 'X', { min: 0 }, 'd');
    const message = warnings[0]?.message ?? '';
    expect(message).not.toContain('\u001b');
    expect(message).toContain('\\u001b[31m');
    expect(message.length).toBeLessThan(160);
  });
});

describe('readEnvBoolean', () => {
  it.each([
    ['true', true],
    ['1', true],
    [' YES ', true],
    ['On', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['OFF', false],
  ])('reads %j as %s', async (text, value) => {
    const { readEnvBoolean } = await load();
    expect(readEnvBoolean({ B: text }, 'B', 'd')).toBe(value);
  });

  it('refuses anything else once per variable, naming it', async () => {
    const { readEnvBoolean } = await load();
    expect(readEnvBoolean({ B: 'maybe' }, 'B', 'the default true')).toBeUndefined();
    expect(readEnvBoolean({ B: 'maybe' }, 'B', 'the default true')).toBeUndefined();
    expect(warnings).toEqual([
      {
        message:
          'Ignoring B="maybe": expected true/false, 1/0, yes/no or on/off; using the default true',
        code: 'FERRET_ENV',
      },
    ]);
  });
});

describe('readEnvString', () => {
  const isShort = (value: string) => value.length <= 5;

  it('reads the trimmed value; unset and blank are unset, silently', async () => {
    const { readEnvString } = await load();
    expect(readEnvString({ K: ' abc ' }, 'K', isShort, 'short', 'the default')).toBe('abc');
    expect(readEnvString({}, 'K', isShort, 'short', 'the default')).toBeUndefined();
    expect(readEnvString({ K: '  ' }, 'K', isShort, 'short', 'the default')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('refuses what `accept` refuses, with one warning naming the variable and the value', async () => {
    const { readEnvString } = await load();
    for (let i = 0; i < 3; i++) {
      expect(readEnvString({ K: 'too long' }, 'K', isShort, 'at most 5 characters', 'x')).toBe(
        undefined,
      );
    }
    expect(warnings).toEqual([
      {
        message: 'Ignoring K="too long": expected at most 5 characters; using x',
        code: 'FERRET_ENV',
      },
    ]);
  });

  it('leaves a secret value out of the warning', async () => {
    const { readEnvString } = await load();
    const env = { URL: 'http://user:hunter2@host' };
    expect(readEnvString(env, 'URL', () => false, 'a URL', 'none', { secret: true })).toBe(
      undefined,
    );
    expect(warnings).toEqual([
      { message: 'Ignoring URL (value not shown): expected a URL; using none', code: 'FERRET_ENV' },
    ]);
  });
});

describe('readEnvNumber with integer: true', () => {
  it('reads whole numbers and refuses fractions, saying a whole number was expected', async () => {
    const { readEnvNumber } = await load();
    const range = { min: 1, integer: true };
    expect(readEnvNumber({ N: '4' }, 'N', range, 'the default 1')).toBe(4);
    expect(readEnvNumber({ N: '1e2' }, 'N', range, 'the default 1')).toBe(100);
    expect(readEnvNumber({ N: '2.5' }, 'N', range, 'the default 1')).toBeUndefined();
    expect(warnings).toEqual([
      {
        message: 'Ignoring N="2.5": expected a whole number >= 1; using the default 1',
        code: 'FERRET_ENV',
      },
    ]);
  });
});

describe('one warning per variable across copies of the reader', () => {
  it('two separately loaded copies (as two bundled packages) warn once between them', async () => {
    const first = await load();
    const second = await load();
    expect(second.readEnvNumber).not.toBe(first.readEnvNumber);
    const env = { FERRET_MAX_SPANS_PER_SECOND: 'abc' };
    const range = { min: 0, allowInfinity: true };
    expect(first.readEnvNumber(env, 'FERRET_MAX_SPANS_PER_SECOND', range, '1000')).toBeUndefined();
    expect(
      second.readEnvNumber(env, 'FERRET_MAX_SPANS_PER_SECOND', range, 'the default'),
    ).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('FERRET_MAX_SPANS_PER_SECOND');
    // Another variable is still reported, once.
    second.readEnvBoolean({ FERRET_ENABLED: 'maybe' }, 'FERRET_ENABLED', 'true');
    first.readEnvBoolean({ FERRET_ENABLED: 'maybe' }, 'FERRET_ENABLED', 'true');
    expect(warnings).toHaveLength(2);
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for('ferret.envWarned')];
    expect(shared).toEqual(new Set(['FERRET_MAX_SPANS_PER_SECOND', 'FERRET_ENABLED']));
  });
});
