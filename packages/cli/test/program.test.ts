import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.js';
import type { SpeedscopeFile } from '../src/speedscope.js';
import { captureIo } from './support/captureIo.js';
import { FakeReader, FakeStoreError } from './support/FakeReader.js';
import { flatten, node, span, summary, tree } from './support/spans.js';
import { stackProblem, validateSpeedscope } from './support/speedscopeChecks.js';

const validateAnalyze = new Ajv().compile(
  JSON.parse(
    readFileSync(new URL('../schemas/analyze.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

const runs = [
  {
    runId: 'run-0',
    firstStartTime: Date.UTC(2025, 0, 1),
    lastEndTime: Date.UTC(2025, 0, 1) + 1500,
    spanCount: 3,
    // No count records (e.g. OpenTelemetry): estimated from the stored roots' weights.
    rootCalls: 2,
    calls: 2,
    callsExact: false,
    recordedTraces: 0,
    missingTraces: 0,
  },
  {
    runId: 'run-1',
    firstStartTime: Date.UTC(2025, 0, 2, 10),
    lastEndTime: Date.UTC(2025, 0, 2, 10) + 12_345,
    spanCount: 1234,
    rootCalls: 56_789,
    calls: 56_789,
    callsExact: true,
    recordedTraces: 1000,
    missingTraces: 0,
    serviceName: 'demo',
  },
];

function sampleTrace() {
  return tree(
    node(span({ name: 'GET /', start: 0, duration: 50 }), [
      node(span({ name: 'a', start: 1, duration: 40 })),
      node(span({ name: 'b', start: 2, duration: 30 })),
    ]),
  );
}

function setup(data: ConstructorParameters<typeof FakeReader>[1] = { runs }) {
  const opened: FakeReader[] = [];
  const openReader = async () => (path: string) => {
    if (path === 'missing.db') throw new FakeStoreError('NOT_FOUND', `no such file: ${path}`);
    const reader = new FakeReader(path, data);
    opened.push(reader);
    return reader;
  };
  return {
    opened,
    run: async (argv: string[], ioOptions?: Parameters<typeof captureIo>[0]) => {
      const capture = captureIo(ioOptions);
      const code = await runCli(argv, capture.io, { openReader });
      return { code, stdout: capture.stdout, stderr: capture.stderr };
    },
  };
}

const fullData = {
  runs,
  summary: [
    summary({ name: 'GET /', calls: 56_789, recorded: 1000, dropped: 55_789, totalMs: 5000 }),
    summary({
      name: 'db',
      calls: 3000,
      callsExact: false,
      recorded: 1000,
      dropped: 2000,
      totalMs: 900,
      errors: 30,
      errorRate: 0.03,
    }),
  ],
  traces: [sampleTrace()],
  spans: flatten(sampleTrace().root),
};

describe('ferret runs', () => {
  it('lists runs oldest first with times, stored spans, root calls (≈ when estimated) and service', async () => {
    const cli = setup();
    const { code, stdout, stderr } = await cli.run(['runs', 'x.db']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run\s+started \(UTC\)\s+duration\s+spans\s+root calls\s+service$/);
    expect(lines[1]).toMatch(/^run-0\s+2025-01-01T00:00:00.000Z\s+1.50 s\s+3\s+≈2$/);
    expect(lines[2]).toMatch(/^run-1\s+2025-01-02T10:00:00.000Z\s+12.3 s\s+1,234\s+56,789\s+demo$/);
    expect(lines[3]).toBe(
      '≈ root calls are estimated from the stored root spans and their sampling weights (the run has no count records)',
    );
    expect(lines).toHaveLength(4);
    // Every count exact: no legend.
    const exact = await setup({ runs: [runs[1]!] }).run(['runs', 'x.db']);
    expect(exact.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(cli.opened[0]!.closed).toBe(true);
  });

  it('says which runs recorded by ferret run closed cleanly, and marks the counts of the others as lower bounds', async () => {
    const base = {
      spanCount: 1,
      rootCalls: 10,
      calls: 10,
      callsExact: true,
      recordedTraces: 1,
      missingTraces: 0,
      lastEndTime: 1000,
    };
    const meta = { pids: [1], nodeVersions: ['v20.0.0'], command: 'node app.js', startedAt: 0 };
    const { code, stdout } = await setup({
      runs: [
        { ...base, runId: 'clean', firstStartTime: 0, metadata: { ...meta, complete: true } },
        {
          ...base,
          runId: 'killed',
          firstStartTime: 0,
          metadata: { ...meta, complete: false, endedAt: 5, exitCode: null, exitSignal: 'SIGKILL' },
        },
        { ...base, runId: 'cut', firstStartTime: 0, metadata: { ...meta, complete: false } },
      ],
    }).run(['runs', 'x.db']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/root calls\s+service\s+state$/);
    expect(lines[1]).toMatch(/^clean\s.*\s10\s+complete$/);
    expect(lines[2]).toMatch(/^killed\s.*\s≥10\s+incomplete \(SIGKILL\)$/);
    expect(lines[3]).toMatch(/^cut\s.*\s≥10\s+incomplete \(no end recorded\)$/);
    expect(lines[4]).toMatch(/^incomplete: the run did not close cleanly .*counts may be short/);
  });

  it('--json prints the runs, and an empty database says so', async () => {
    const { stdout } = await setup().run(['runs', 'x.db', '--json']);
    expect(JSON.parse(stdout)).toEqual(runs);
    const empty = await setup({ runs: [] }).run(['runs', 'x.db']);
    expect(empty).toEqual({ code: 0, stdout: 'No runs recorded in x.db.\n', stderr: '' });
  });
});

describe('ferret analyze', () => {
  it('prints the latest run summary by default, uncoloured off a TTY', async () => {
    const cli = setup(fullData);
    const { code, stdout } = await cli.run(['analyze', 'x.db']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('run run-1 · x.db · 2 span names');
    expect(lines[1]).toMatch(/^name\s+calls\s+recorded\s+total↓/);
    expect(lines[2]).toMatch(/^GET \/\s+56,789\s+1,000\s+5.00 s/);
    expect(lines[3]).toMatch(/^db\s+≈3,000\s+1,000\s+900 ms.*3.0%$/);
    expect(lines.at(-1)).toBe(
      'calls are exact counts, except ≈ estimates (from the sampling weights of the stored spans); latency columns come from the recorded (sampled) spans',
    );
    expect(stdout).not.toContain('\u001b[');
    expect(cli.opened[0]!.calls).toContainEqual({ method: 'analyze', options: {} });
    expect(cli.opened[0]!.closed).toBe(true);
  });

  it('lists the event-loop stalls of the run per stalled span name, as text and in --json', async () => {
    const stalls = [
      { spanName: 'slow\u001b[31m handler', count: 2, maxMs: 600, totalMs: 1100 },
      { spanName: null, count: 1, maxMs: 250, totalMs: 250 },
    ];
    // The run's summary lists the stall spans themselves: that is what makes analyze read stalls.
    const withStalls = {
      ...fullData,
      summary: [
        ...fullData.summary,
        summary({ name: 'ferret.stall', calls: 3, recorded: 3, dropped: 0, totalMs: 1350 }),
      ],
      stalls,
    };
    const cli = setup(withStalls);
    const { code, stdout } = await cli.run(['analyze', 'x.db']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const heading = lines.indexOf(
      'Event loop stalled 3 times (ferret.stall spans), by the span running when it stopped:',
    );
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toMatch(/^stalled in\s+stalls\s+max\s+total blocked$/);
    // Names read from the database are escaped.
    expect(lines[heading + 2]).toMatch(/^slow\\x1b\[31m handler\s+2\s+600 ms\s+1.10 s$/);
    expect(lines[heading + 3]).toMatch(/^\(no span\)\s+1\s+250 ms\s+250 ms$/);
    expect(cli.opened[0]!.calls).toContainEqual({ method: 'stalls', options: { runId: 'run-1' } });
    const json = await setup(withStalls).run(['analyze', 'x.db', '--json']);
    const document = JSON.parse(json.stdout);
    expect(validateAnalyze(document), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(document.stalls).toEqual(stalls);
    // No stalls: no heading.
    expect((await setup(fullData).run(['analyze', 'x.db'])).stdout).not.toContain('stalled');
    // No ferret.stall span in the run: the stall scan is skipped (unless --name hides rows).
    const quiet = setup({ ...fullData, stalls });
    await quiet.run(['analyze', 'x.db']);
    expect(quiet.opened[0]!.calls.map((call) => call.method)).not.toContain('stalls');
  });

  it('colours on a TTY, but never with NO_COLOR', async () => {
    const tty = await setup(fullData).run(['analyze', 'x.db'], { isTTY: true });
    expect(tty.stdout).toContain('\u001b[');
    const noColor = await setup(fullData).run(['analyze', 'x.db'], {
      isTTY: true,
      env: { NO_COLOR: '1' },
    });
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('--run, --sort and --limit reach the reader and the table', async () => {
    const cli = setup(fullData);
    const { code, stdout } = await cli.run([
      'analyze',
      'x.db',
      '--run',
      'run-0',
      '--sort',
      'errors',
      '--limit',
      '1',
    ]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('run run-0 · x.db · 2 span names');
    expect(lines[1]).toMatch(/error %↓$/);
    expect(lines[2]).toMatch(/^db\s/);
    expect(lines[3]).toBe('… 1 more (raise --limit to see them)');
    expect(cli.opened[0]!.calls).toContainEqual({ method: 'analyze', options: { runId: 'run-0' } });
  });

  it('--json prints rows valid against the published schema', async () => {
    const { code, stdout } = await setup(fullData).run([
      'analyze',
      'x.db',
      '--json',
      '--sort',
      'calls',
    ]);
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as { rows: Array<{ name: string }> };
    expect(validateAnalyze(document), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(document).toMatchObject({ file: 'x.db', runId: 'run-1', sort: 'calls' });
    expect(document.rows.map((r) => r.name)).toEqual(['GET /', 'db']);
  });

  it('--tree prints the slowest traces as trees, --limit picks how many', async () => {
    const cli = setup({ ...fullData, traces: [sampleTrace(), sampleTrace(), sampleTrace()] });
    const { code, stdout } = await cli.run(['analyze', 'x.db', '--tree', '--limit', '2']);
    expect(code).toBe(0);
    expect(stdout).toContain('run run-1 · x.db · 2 slowest traces');
    expect(stdout.match(/^trace a{32}/gm)).toHaveLength(2);
    expect(stdout).toContain('├─ a  40.0 ms  +1.00 ms');
    expect(cli.opened[0]!.calls).toContainEqual({ method: 'slowestTraces', options: { limit: 2 } });
  });

  it('--tree --json prints the trees', async () => {
    const { stdout } = await setup(fullData).run(['analyze', 'x.db', '--tree', '--json']);
    const document = JSON.parse(stdout) as { traces: Array<{ root: { children: unknown[] } }> };
    expect(document.traces[0]!.root.children).toHaveLength(2);
  });
});

describe('ferret export', () => {
  it('writes a valid speedscope file and says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-cli-'));
    const out = join(dir, 'trace.json');
    const { code, stdout, stderr } = await setup(fullData).run([
      'export',
      'x.db',
      '--format',
      'speedscope',
      '-o',
      out,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Wrote 3 spans in 1 traces of run run-1 \(2 profiles\) to .*trace.json/,
    );
    const file = JSON.parse(readFileSync(out, 'utf8')) as SpeedscopeFile;
    expect(validateSpeedscope(file)).toBe(true);
    for (const profile of file.profiles) expect(stackProblem(profile)).toBeUndefined();
    expect(file.exporter).toMatch(/^@ferret\/cli@\d+\.\d+\.\d+/);
  });

  it('prints the file to stdout without -o', async () => {
    const { code, stdout } = await setup(fullData).run(['export', 'x.db']);
    expect(code).toBe(0);
    expect(validateSpeedscope(JSON.parse(stdout))).toBe(true);
  });

  it('reports an unknown run and an unwritable output in one line', async () => {
    const unknown = await setup(fullData).run(['export', 'x.db', '--run', 'nope']);
    expect(unknown.code).toBe(1);
    // The store's message, exactly as `ferret analyze` prints it.
    expect(unknown.stderr).toBe('ferret: x.db has no run "nope" (latest runs: run-1, run-0)\n');
    const analyze = await setup(fullData).run(['analyze', 'x.db', '--run', 'nope']);
    expect(analyze.stderr).toBe(unknown.stderr);
    const unwritable = await setup(fullData).run([
      'export',
      'x.db',
      '-o',
      '/nonexistent-dir/t.json',
    ]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(
      /^ferret: cannot write \/nonexistent-dir\/t.json: the directory \/nonexistent-dir does not exist\n$/,
    );
  });
});

describe('the database argument', () => {
  it.each([['runs'], ['analyze'], ['export']])(
    'ferret %s without one reads ./ferret.db, as ferret run writes it',
    async (command) => {
      const cli = setup(fullData);
      await cli.run([command]);
      expect(cli.opened.map((reader) => reader.path)).toEqual(['ferret.db']);
    },
  );
});

describe('usage and failures', () => {
  it.each([
    [
      ['analyze', 'x.db', '--limit', 'abc'],
      /^ferret: option '--limit <n>' argument "abc" is invalid\. Expected a positive integer\.\n$/,
    ],
    [['analyze', 'x.db', '--limit', '-1'], /argument "-1" is invalid/],
    [['analyze', 'x.db', '--limit', '0'], /argument "0" is invalid/],
    [['analyze', 'x.db', '--limit', '1.5'], /argument "1.5" is invalid/],
    [
      ['analyze', 'x.db', '--tree', '--limit', '10001'],
      /^ferret: option '--limit <n>' argument "10001" is invalid\. Expected at most 10000 with --tree\.\n$/,
    ],
    [
      ['analyze', 'x.db', '--sort', 'nope'],
      /^ferret: option '--sort <key>' argument "nope" is invalid\. Allowed choices are total, calls, recorded, estimated, self, self-p50, avg, p50, p95, p99, max, errors\.\n$/,
    ],
    [['analyze', 'x.db', '--tree', '--sort', 'avg'], /cannot be used with option '--tree'/],
    [['analyze', 'x.db', '--run', ''], /argument "" is invalid\. Expected a non-empty value/],
    // A long value is quoted cut (and escaped), so the reason after it is printed whole.
    [
      ['analyze', 'x.db', '--limit', `${'9'.repeat(5000)}\u001b[2J`],
      /^ferret: option '--limit <n>' argument "9{64}"… is invalid\. Expected a positive integer\.\n$/,
    ],
    [
      ['analyze', 'x.db', '--limit', '\u001b[2J'],
      /^ferret: option '--limit <n>' argument "\\u001b\[2J" is invalid\./,
    ],
    [
      ['export', 'x.db', '--format', 'pprof'],
      /argument "pprof" is invalid\. Allowed choices are speedscope/,
    ],
    [['analyze', 'x.db', '--bogus'], /^ferret: unknown option '--bogus'\n$/],
    [['anaylze', 'x.db'], /^ferret: unknown command 'anaylze' \(Did you mean analyze\?\)\n$/],
  ])('%j → one line on stderr, exit 2', async (argv, message) => {
    const cli = setup(fullData);
    const { code, stdout, stderr } = await cli.run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(cli.opened).toHaveLength(0); // validation happens before the file is touched
  });

  it.each([
    [['analyze', 'missing.db'], 'ferret: no such file: missing.db\n'],
    [
      ['analyze', 'x.db', '--run', 'nope'],
      'ferret: x.db has no run "nope" (latest runs: run-1, run-0)\n',
    ],
    [['runs', 'missing.db'], 'ferret: no such file: missing.db\n'],
  ])('%j → the store error as one line, exit 1', async (argv, message) => {
    const { code, stdout, stderr } = await setup(fullData).run(argv);
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: message });
  });

  it('a store error of any code after parsing (a damaged file) is exit 1, never usage', async () => {
    for (const error of [
      new FakeStoreError('INVALID_ARGUMENT', 'x.db: run id in the file is not a string'),
      new FakeStoreError('DAMAGED', 'x.db: damaged row'),
      new TypeError('Expected `runId` to be a non-empty string, got object'),
    ]) {
      const openReader = async () => () => {
        throw error;
      };
      const capture = captureIo();
      expect(await runCli(['export', 'x.db'], capture.io, { openReader })).toBe(1);
      expect(capture.stderr).toBe(`ferret: ${error.message}\n`);
    }
  });

  it('reduces unexpected errors to their first line; FERRET_DEBUG adds the stack', async () => {
    const openReader = async () => () => {
      throw new Error('boom\nsecond line');
    };
    const quiet = captureIo();
    expect(await runCli(['runs', 'x.db'], quiet.io, { openReader })).toBe(1);
    expect(quiet.stderr).toBe('ferret: boom\n');
    const debug = captureIo({ env: { FERRET_DEBUG: '1' } });
    await runCli(['runs', 'x.db'], debug.io, { openReader });
    expect(debug.stderr).toMatch(/^ferret: boom\nError: boom\nsecond line\n\s+at /);
  });

  it('closes the reader when a command fails half-way', async () => {
    const cli = setup(fullData);
    await cli.run(['analyze', 'x.db', '--run', 'nope']);
    expect(cli.opened[0]!.closed).toBe(true);
  });

  it.each([[[]], [['runs']], [['analyze']], [['export']]])('--help works on %j', async (prefix) => {
    const { code, stdout, stderr } = await setup().run([...prefix, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: ferret/);
    expect(stdout).toContain('--help');
  });

  it('bare `ferret` prints help on stderr with exit 2; --version prints the version', async () => {
    const bare = await setup().run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: ferret/);
    const version = await setup().run(['--version']);
    expect(version).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/),
      stderr: '',
    });
  });
});
