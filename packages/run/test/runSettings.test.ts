import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));

// The warn-once memory is module state: each test loads fresh copies of the modules.
async function load() {
  vi.resetModules();
  return import('../src/RunSettings.js');
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

const HUGE = `big-${'x'.repeat(1_000_000)}.db`;

describe('readRunSettings: paths and globs from the environment', () => {
  it.each([
    ['a NUL byte', 'spans\u0000.db', /it holds|control characters/],
    ['an escape sequence', '\u001b[2Jspans.db', /\\u001b\[2Jspans\.db/],
    ['a C1 control (CSI)', 'spans\u009b2J.db', /spans\\u009b2J\.db/],
    ['a 1 MB value', HUGE, /"big-x{60}"…/],
  ])(
    'FERRET_DB with %s warns once, quoted and cut, and the default file is used',
    async (_kind, value, shown) => {
      const { readRunSettings, DEFAULT_DB } = await load();
      const env: NodeJS.ProcessEnv = { FERRET_DB: value };
      expect(readRunSettings(env).db).toBe(DEFAULT_DB);
      expect(readRunSettings(env).db).toBe(DEFAULT_DB);
      expect(warnings).toHaveLength(1);
      const [warning] = warnings;
      expect(warning!.code).toBe('FERRET_ENV');
      expect(warning!.message).toMatch(
        /^Ignoring FERRET_DB=".*: expected a file path: text of at most 4096 characters without control characters; using ferret\.db$/s,
      );
      expect(warning!.message).toMatch(shown);
      expect(warning!.message.length).toBeLessThan(300);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may be echoed.
      expect(warning!.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    },
  );

  it('FERRET_DB over 4096 characters is refused; 4096 is accepted', async () => {
    const { readRunSettings } = await load();
    const longest = `${'d'.repeat(4093)}.db`;
    expect(readRunSettings({ FERRET_DB: longest }).db).toBe(longest);
    expect(warnings).toEqual([]);
    expect(readRunSettings({ FERRET_DB: `d${longest}` }).db).toBe('ferret.db');
    expect(warnings).toHaveLength(1);
  });

  it('a well-formed FERRET_DB is used, trimmed; blank counts as unset, silently', async () => {
    const { readRunSettings } = await load();
    expect(readRunSettings({ FERRET_DB: ' /tmp/run spans.db \n' }).db).toBe('/tmp/run spans.db');
    expect(readRunSettings({ FERRET_DB: '  ' }).db).toBe('ferret.db');
    expect(warnings).toEqual([]);
  });

  it.each([
    ['a NUL byte', 'src/\u0000**'],
    ['a newline inside', 'src/**\n/etc/**'],
    ['a 1 MB value', HUGE],
  ])('FERRET_FUNCTIONS with %s warns once and no function spans are made', async (_kind, value) => {
    const { readRunSettings } = await load();
    expect(readRunSettings({ FERRET_FUNCTIONS: value }).functions).toBeUndefined();
    expect(readRunSettings({ FERRET_FUNCTIONS: value }).functions).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('FERRET_ENV');
    expect(warnings[0]!.message).toMatch(
      /^Ignoring FERRET_FUNCTIONS=".*: expected a glob: .*; using no function spans$/s,
    );
    expect(warnings[0]!.message.length).toBeLessThan(300);
  });

  it('a run id with control characters or over 256 characters is replaced by a new one, written back', async () => {
    const { readRunSettings } = await load();
    const env: NodeJS.ProcessEnv = { FERRET_RUN_ID: `run\u001b]0;owned\u0007` };
    const settings = readRunSettings(env);
    expect(settings.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.FERRET_RUN_ID).toBe(settings.runId);
    expect(readRunSettings({ FERRET_RUN_ID: 'r'.repeat(257) }).runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readRunSettings({ FERRET_RUN_ID: 'r'.repeat(256) }).runId).toBe('r'.repeat(256));
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^Ignoring FERRET_RUN_ID="run\\u001b\]0;owned\\u0007": expected an id of at most 256 characters/,
      ),
    ]);
  });
});

describe('readRunSettings: the budget through the one number grammar', () => {
  it.each([
    ['250', 250],
    ['1e3', 1000],
    ['0', 0],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('reads %j as %d', async (text, value) => {
    const { readRunSettings } = await load();
    expect(readRunSettings({ FERRET_MAX_SPANS_PER_SECOND: text }).budget).toBe(value);
    expect(warnings).toEqual([]);
  });

  it.each(['-1', 'fast', '0x10', '1e400', '12abc'])(
    'refuses %j: one FERRET_ENV warning and the default budget',
    async (text) => {
      const { readRunSettings, DEFAULT_BUDGET } = await load();
      expect(readRunSettings({ FERRET_MAX_SPANS_PER_SECOND: text }).budget).toBe(DEFAULT_BUDGET);
      expect(readRunSettings({ FERRET_MAX_SPANS_PER_SECOND: text }).budget).toBe(DEFAULT_BUDGET);
      expect(warnings).toEqual([
        {
          code: 'FERRET_ENV',
          message: `Ignoring FERRET_MAX_SPANS_PER_SECOND=${JSON.stringify(text)}: expected a number >= 0 or Infinity; using 1000`,
        },
      ]);
    },
  );
});

describe('readRunSettings: FERRET_LIBS', () => {
  it('unknown names warn once (cut), the known ones apply', async () => {
    const { readRunSettings } = await load();
    const value = `express,${'nosuchlib'.repeat(20_000)},http`;
    expect(readRunSettings({ FERRET_LIBS: value }).libs).toEqual(['express', 'http']);
    expect(readRunSettings({ FERRET_LIBS: value }).libs).toEqual(['express', 'http']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      /^Ignoring FERRET_LIBS="express,nosuchlib.*"…: expected none, all or a list of .*; using the names it knows$/,
    );
    expect(warnings[0]!.message.length).toBeLessThan(400);
  });
});

describe('ferret run: flags are checked at the boundary (usage error, exit 2)', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      '--db',
      '',
      /Expected a file path of at most 4096 characters without control characters, but it is empty/,
    ],
    [
      '--db',
      'x'.repeat(5000),
      /^ferret: option '--db <path>' argument "x{64}"… is invalid\. Expected a file path of at most 4096 characters .* 5000 characters long/,
    ],
    ['--db', '\u001b[2Jspans.db', /but it holds the control character U\+001B/],
    ['--functions', 'src/**\n*', /Expected a glob .* but it holds the control character U\+000A/],
    [
      '--run-id',
      'r'.repeat(300),
      /Expected an id of at most 256 characters .* 300 characters long/,
    ],
    ['--budget', 'fast', /Expected a number of spans per second >= 0 \(or Infinity\), got "fast"/],
    [
      '--libs',
      'pg,nosuch',
      /Expected a comma-separated list of http, undici, fetch, express, fastify, ioredis, pg, mysql2, mongodb, or all\/none, got "pg,nosuch"/,
    ],
    // none/all stand alone: the preload would warn about them inside a list, so the flag refuses them.
    ['--libs', 'http,none', /Expected a comma-separated list of .*, got "http,none"/],
    ['--libs', 'all,pg', /Expected a comma-separated list of .*, got "all,pg"/],
    ['--libs', ' , ', /Expected a comma-separated list of .*, got " , "/],
  ];
  it.each(cases)('%s %j', (flag, value, message) => {
    const child = spawnSync(process.execPath, [FERRET, 'run', flag, value, '--', 'true'], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(message);
  });

  it('accepts every library @ferret/run knows in --libs', async () => {
    const { KNOWN_LIBRARIES } = await load();
    const dir = mkdtempSync(join(tmpdir(), 'ferret-run-libs-'));
    try {
      const child = spawnSync(
        process.execPath,
        [FERRET, 'run', '--quiet', '--libs', [...KNOWN_LIBRARIES, 'fetch'].join(','), '--', 'true'],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a malformed FERRET_DB in the environment warns once (cut) and the run uses ferret.db', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-run-env-'));
    try {
      const child = spawnSync(process.execPath, [FERRET, 'run', '--quiet', '--', 'true'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, FERRET_DB: `${'y'.repeat(100_000)}\u001b[2J` },
      });
      expect(child.status).toBe(0);
      const lines = child.stderr.split('\n').filter((line) => line.includes('FERRET_DB'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /\[FERRET_ENV\] Warning: Ignoring FERRET_DB="y{64}"…: expected a file path/,
      );
      expect(lines[0]!.length).toBeLessThan(300);
      expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout).toMatch(/^ferret\.db$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
