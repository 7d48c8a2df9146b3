import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { Palette, stripAnsi } from '../src/Palette.js';
import {
  renderSummaryTable,
  SUMMARY_SORT_KEYS,
  sortSummary,
  summaryFootnote,
  toSummaryJsonRow,
} from '../src/summaryView.js';
import { summary } from './support/spans.js';

const schema = JSON.parse(
  readFileSync(new URL('../schemas/analyze.schema.json', import.meta.url), 'utf8'),
) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

const rows = [
  summary({
    name: 'slow-rare',
    calls: 2,
    recorded: 2,
    totalMs: 400,
    avgMs: 200,
    p95Ms: 250,
    p99Ms: 260,
  }),
  summary({
    name: 'hot',
    calls: 5000,
    recorded: 50,
    dropped: 4950,
    totalMs: 500,
    avgMs: 10,
    p95Ms: 30,
    p99Ms: 90,
  }),
  summary({
    name: 'flaky',
    calls: 20,
    recorded: 20,
    totalMs: 60,
    avgMs: 3,
    p95Ms: 5,
    p99Ms: 300,
    errors: 5,
    errorRate: 0.25,
  }),
  summary({
    name: 'always-fails',
    calls: 1,
    recorded: 1,
    totalMs: 1,
    avgMs: 1,
    p95Ms: 1,
    p99Ms: 1,
    errors: 1,
    errorRate: 1,
  }),
];

describe('sortSummary', () => {
  it.each([
    ['total', ['hot', 'slow-rare', 'flaky', 'always-fails']],
    ['avg', ['slow-rare', 'hot', 'flaky', 'always-fails']],
    ['p95', ['slow-rare', 'hot', 'flaky', 'always-fails']],
    ['p99', ['flaky', 'slow-rare', 'hot', 'always-fails']],
    ['calls', ['hot', 'flaky', 'slow-rare', 'always-fails']],
    ['errors', ['flaky', 'always-fails', 'hot', 'slow-rare']],
  ] as const)('--sort %s orders descending', (key, names) => {
    expect(sortSummary(rows, key).map((r) => r.name)).toEqual(names);
  });

  it('breaks ties by total then name, and does not modify its input', () => {
    const tied = [
      summary({ name: 'b' }),
      summary({ name: 'a' }),
      summary({ name: 'c', totalMs: 101 }),
    ];
    expect(sortSummary(tied, 'avg').map((r) => r.name)).toEqual(['c', 'a', 'b']);
    expect(tied.map((r) => r.name)).toEqual(['b', 'a', 'c']);
  });

  it('accepts exactly the documented keys', () => {
    expect(SUMMARY_SORT_KEYS).toEqual([
      'total',
      'calls',
      'recorded',
      'estimated',
      'self',
      'self-p50',
      'avg',
      'p50',
      'p95',
      'p99',
      'max',
      'errors',
    ]);
  });
});

describe('renderSummaryTable', () => {
  it('prints aligned columns with exact calls next to recorded spans', () => {
    const lines = renderSummaryTable(sortSummary(rows, 'total'), 'total', new Palette(false));
    expect(lines[0]).toMatch(
      /^name\s+calls\s+recorded\s+total↓\s+≈ all calls\s+self\s+self p50\s+avg\s+p50\s+p95\s+p99\s+max\s+error %$/,
    );
    expect(lines[1]).toMatch(
      /^hot\s+5,000\s+50\s+500 ms\s+≈\S+ \S+\s+50\.0 ms\s+4\.00 ms\s+10.0 ms\s+9.00 ms\s+30.0 ms\s+90.0 ms\s+30.0 ms\s+0%$/,
    );
    expect(lines[3]).toMatch(/^flaky\s.*\s25.0%$/);
    // Right-aligned numeric columns: every line has the same printed width.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines.join('\n')).not.toContain('\u001b[');
  });

  it('marks the sort column', () => {
    expect(renderSummaryTable(rows, 'p99', new Palette(false))[0]).toMatch(/p99↓/);
    expect(renderSummaryTable(rows, 'errors', new Palette(false))[0]).toMatch(/error %↓$/);
  });

  it('colours only when the palette is enabled, without breaking alignment', () => {
    const plain = renderSummaryTable(rows, 'total', new Palette(false));
    const coloured = renderSummaryTable(rows, 'total', new Palette(true));
    expect(coloured.join('\n')).toContain('\u001b[31m25.0%\u001b[39m');
    expect(coloured.map(stripAnsi)).toEqual(plain);
  });

  it('prints "-" for latencies of a name whose calls were all dropped', () => {
    const dropped = summary({
      name: 'never-sampled',
      calls: 7,
      recorded: 0,
      dropped: 7,
      totalMs: 0,
      avgMs: Number.NaN,
      minMs: Number.NaN,
      p50Ms: Number.NaN,
      p95Ms: Number.NaN,
      p99Ms: Number.NaN,
      maxMs: Number.NaN,
      errorRate: Number.NaN,
      estimatedTotalMs: 0,
      selfTotalMs: 0,
      selfP50Ms: Number.NaN,
    });
    const [, line] = renderSummaryTable([dropped], 'total', new Palette(false));
    // total, ≈ all calls and self are sums (0 ms); every latency and the error rate are "-".
    expect(line).toMatch(/^never-sampled\s+7\s+0\s+0 ms\s+≈0 ms\s+0 ms(\s+-){7}$/);
  });

  it('prefixes estimated call counts with ≈, keeping columns aligned', () => {
    const lines = renderSummaryTable(
      [
        summary({ name: 'GET /', calls: 12_000, recorded: 100, dropped: 11_900, totalMs: 900 }),
        summary({
          name: 'db.query',
          calls: 1234,
          callsExact: false,
          recorded: 200,
          dropped: 1034,
          totalMs: 500,
        }),
      ],
      'total',
      new Palette(false),
    );
    expect(lines[1]).toMatch(/^GET \/\s+12,000\s+100\s/);
    expect(lines[2]).toMatch(/^db\.query\s+≈1,234\s+200\s/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('cuts very long names with an ellipsis', () => {
    const [, line] = renderSummaryTable(
      [summary({ name: 'x'.repeat(80) })],
      'total',
      new Palette(false),
    );
    expect(line).toMatch(new RegExp(`^${'x'.repeat(59)}… `));
  });
});

describe('summaryFootnote', () => {
  const exact = summary({ name: 'root', calls: 10, recorded: 2, dropped: 8 });
  const estimate = summary({
    name: 'child',
    calls: 30,
    callsExact: false,
    recorded: 6,
    dropped: 24,
  });
  it.each([
    ['nothing to explain', [summary({ name: 'a' })], undefined],
    [
      'exact counts with sampling',
      [exact],
      'calls are exact counts; latency columns come from the recorded (sampled) spans',
    ],
    [
      'exact and estimated counts',
      [exact, estimate],
      'calls are exact counts, except ≈ estimates (from the sampling weights of the stored spans); latency columns come from the recorded (sampled) spans',
    ],
    [
      'only estimates, nothing dropped',
      [summary({ name: 'otel', callsExact: false })],
      '≈ calls are estimates (from the sampling weights of the stored spans)',
    ],
  ])('%s', (_label, rows, expected) => {
    // The first line always explains the time columns; the second the counts, when needed.
    const [legend, ...counts] = summaryFootnote(rows);
    expect(legend).toMatch(/^total: time of the recorded spans · ≈ all calls: /);
    expect(counts).toEqual(expected === undefined ? [] : [expected]);
  });
});

describe('toSummaryJsonRow', () => {
  it('keeps estimated counts plain, flagged by callsExact', () => {
    const row = toSummaryJsonRow(summary({ name: 'db.query', calls: 1234, callsExact: false }));
    expect(row).toMatchObject({ calls: 1234, callsExact: false });
    expect(validate({ file: 'x', runId: 'r', sort: 'calls', rows: [row] })).toBe(true);
  });

  it('produces rows valid against schemas/analyze.schema.json', () => {
    const document = { file: 'x.db', runId: 'r', sort: 'total', rows: rows.map(toSummaryJsonRow) };
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(document.rows[1]).toEqual({
      name: 'hot',
      calls: 5000,
      callsExact: true,
      recorded: 50,
      dropped: 4950,
      totalMs: 500,
      avgMs: 10,
      minMs: 1,
      p50Ms: 9,
      p95Ms: 30,
      p99Ms: 90,
      maxMs: 30,
      errors: 0,
      errorRate: 0,
      estimatedTotalMs: 100,
      selfTotalMs: 50,
      selfP50Ms: 4,
    });
  });

  it('turns latencies of unrecorded names into null, which the schema allows (JSON has no NaN)', () => {
    const row = toSummaryJsonRow(
      summary({ name: 'n', recorded: 0, dropped: 10, avgMs: Number.NaN, errorRate: Number.NaN }),
    );
    expect(row.avgMs).toBeNull();
    expect(row.p99Ms).toBeNull();
    expect(row.errorRate).toBeNull();
    expect(validate({ file: 'x', runId: 'r', sort: 'avg', rows: [row] })).toBe(true);
  });

  it('the schema rejects what it should (missing fields, negative counts, unknown sort)', () => {
    const good = toSummaryJsonRow(rows[0]!);
    const { calls: _calls, ...missing } = good;
    expect(validate({ file: 'x', runId: 'r', sort: 'total', rows: [missing] })).toBe(false);
    const { callsExact: _exact, ...noFlag } = good;
    expect(validate({ file: 'x', runId: 'r', sort: 'total', rows: [noFlag] })).toBe(false);
    expect(
      validate({ file: 'x', runId: 'r', sort: 'total', rows: [{ ...good, callsExact: 'yes' }] }),
    ).toBe(false);
    expect(validate({ file: 'x', runId: 'r', sort: 'total', rows: [{ ...good, calls: -1 }] })).toBe(
      false,
    );
    expect(validate({ file: 'x', runId: 'r', sort: 'nope', rows: [] })).toBe(false);
  });
});
