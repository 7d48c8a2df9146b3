// End to end on a real database: the drill-down path (analyze --by, --name, self time, sort keys,
// run prefixes), whole-run flame graph exports and run-to-run diff.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './support/captureIo.js';
import { validateSpeedscope } from './support/speedscopeChecks.js';

const schema = (file: string) =>
  new Ajv({ allErrors: true }).compile(
    JSON.parse(readFileSync(new URL(`../schemas/${file}`, import.meta.url), 'utf8')) as object,
  );
const validateAnalyze = schema('analyze.schema.json');
const validateDiff = schema('diff.schema.json');

const T0 = Date.UTC(2025, 5, 1, 9);
let seq = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function record(
  fields: Partial<SpanRecord> &
    Pick<SpanRecord, 'name' | 'traceId' | 'startTime' | 'duration' | 'runId'>,
): SpanRecord {
  return {
    spanId: hex(++seq, 16),
    status: 'ok',
    attributes: {},
    pid: 1,
    threadId: 0,
    weight: 1,
    ...fields,
  };
}

/**
 * One run of `requests` traces, 100 ms apart: `GET /users/:id` (10 + slow × i % 7 ms) with a
 * `db.query` [1, 3] on table users and a `render` [5, 6]; and `GET /orders` (30 ms) with two
 * overlapping `db.query` on table orders, [1, 21] and [11, 26]. Weight 2.
 */
function buildRun(
  runId: string,
  startAt: number,
  requests: number,
  slow: number,
  withRender: boolean,
  extra?: string,
): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (let i = 0; i < requests; i++) {
    const start = startAt + i * 100;
    const users = record({
      name: 'GET /users/:id',
      traceId: hex(startAt + i * 2, 32),
      startTime: start,
      duration: 10 + slow * (i % 7),
      runId,
      weight: 2,
    });
    spans.push(
      users,
      record({
        name: 'db.query',
        traceId: users.traceId,
        parentSpanId: users.spanId,
        startTime: start + 1,
        duration: 2,
        runId,
        weight: 2,
        attributes: { 'db.table': 'users' },
      }),
    );
    if (withRender) {
      spans.push(
        record({
          name: 'render',
          traceId: users.traceId,
          parentSpanId: users.spanId,
          startTime: start + 5,
          duration: 1,
          runId,
          weight: 2,
        }),
      );
    }
    const orders = record({
      name: 'GET /orders',
      traceId: hex(startAt + i * 2 + 1, 32),
      startTime: start + 50,
      duration: 30,
      runId,
      weight: 2,
      status: i % 4 === 0 ? 'error' : 'ok',
    });
    spans.push(
      orders,
      record({
        name: 'db.query',
        traceId: orders.traceId,
        parentSpanId: orders.spanId,
        startTime: start + 51,
        duration: 20,
        runId,
        weight: 2,
        attributes: { 'db.table': 'orders' },
      }),
      record({
        name: 'db.query',
        traceId: orders.traceId,
        parentSpanId: orders.spanId,
        startTime: start + 61,
        duration: 15,
        runId,
        weight: 2,
        attributes: { 'db.table': 'orders' },
      }),
    );
    if (extra !== undefined) {
      spans.push(
        record({
          name: extra,
          traceId: hex(startAt + 99_000 + i, 32),
          startTime: start + 90,
          duration: 1,
          runId,
        }),
      );
    }
  }
  return spans;
}

async function writeDb(path: string, spans: SpanRecord[]): Promise<void> {
  const store = new SqliteSpanStore({
    path,
    worker: false,
    onError: (e) => {
      throw e;
    },
  });
  store.write(spans);
  await store.close();
}

async function run(argv: string[]) {
  const capture = captureIo();
  const code = await main(argv, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'ferret-drill-'));
const db = join(dir, 'ferret.db');
const slowDb = join(dir, 'slow.db');

beforeAll(async () => {
  await writeDb(db, [
    ...buildRun('0a1b2c3d-older', T0, 30, 1, true),
    ...buildRun('0a1b9999-newer', T0 + 3_600_000, 40, 1, true),
  ]);
  await writeDb(slowDb, buildRun('ffff0000-slow', T0 + 7_200_000, 40, 4, false, 'cache.get'));
});

describe('ferret analyze drill-down', () => {
  it('--by splits a name by attribute value; spans without it are (none)', async () => {
    const { code, stdout, stderr } = await run(['analyze', db, '--by', 'db.table', '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const document = JSON.parse(stdout) as {
      runId: string;
      by: string;
      spansWithAttribute: number;
      rows: Array<Record<string, unknown>>;
    };
    expect(validateAnalyze(document), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(document).toMatchObject({
      runId: '0a1b9999-newer',
      by: 'db.table',
      spansWithAttribute: 120,
    });
    const queries = document.rows.filter((row) => row.name === 'db.query');
    expect(queries.map((row) => [row.group, row.value, row.recorded])).toEqual([
      ['value', 'orders', 80],
      ['value', 'users', 40],
    ]);
    expect(queries[0]!.p50Ms).toBeCloseTo(15, 1);
    expect(queries[1]!.p50Ms).toBeCloseTo(2, 2);
    expect(document.rows.find((row) => row.name === 'render')).toMatchObject({
      group: 'none',
      recorded: 40,
    });

    const table = await run(['analyze', db, '--by', 'db.table']);
    expect(table.stdout).toMatch(
      /^name\s+db\.table\s+calls\s+recorded\s+total↓\s+≈ all calls\s+self\s+self p50\s+avg\s+p50\s+p95\s+p99\s+max\s+error %$/m,
    );
    expect(table.stdout).toMatch(/^db\.query\s+orders\s+≈160\s+80\s/m);
    expect(table.stdout).toMatch(/^render\s+\(none\)\s+≈80\s+40\s/m);
  });

  it('--by an attribute no span has: the table says so', async () => {
    const { code, stdout } = await run(['analyze', db, '--by', 'http.route']);
    expect(code).toBe(0);
    expect(stdout).toContain('No span has the attribute http.route: every row is (none).');
  });

  it('self time: duration minus the union of overlapping children; est. total scaled by weight', async () => {
    const { stdout } = await run(['analyze', db, '--json']);
    const rows = Object.fromEntries(
      (
        JSON.parse(stdout) as {
          rows: Array<{
            name: string;
            selfTotalMs: number;
            selfP50Ms: number;
            totalMs: number;
            estimatedTotalMs: number;
          }>;
        }
      ).rows.map((r) => [r.name, r]),
    );
    // GET /orders: 30 − |[1, 26]| = 5 ms each, 40 requests.
    expect(rows['GET /orders']!.selfTotalMs).toBeCloseTo(200, 6);
    expect(rows['GET /orders']!.selfP50Ms).toBeCloseTo(5, 2);
    expect(rows['GET /orders']!.estimatedTotalMs).toBeCloseTo(2 * rows['GET /orders']!.totalMs, 6);
    // GET /users/:id: duration − 2 (db) − 1 (render).
    expect(rows['GET /users/:id']!.selfTotalMs).toBeCloseTo(
      rows['GET /users/:id']!.totalMs - 40 * 3,
      6,
    );
    expect(rows.render!.selfTotalMs).toBeCloseTo(rows.render!.totalMs, 6);
    const table = await run(['analyze', db]);
    expect(table.stdout).toMatch(
      /^GET \/orders\s+≈80\s+40\s+1\.20 s\s+≈2\.40 s\s+200 ms\s+5\.00 ms\s/m,
    );
    expect(table.stdout).toContain('total: time of the recorded spans · ≈ all calls:');
  });

  it('--name filters the table and --tree', async () => {
    const filtered = await run(['analyze', db, '--name', 'GET /*', '--json']);
    expect(
      (JSON.parse(filtered.stdout) as { rows: Array<{ name: string }> }).rows.map((r) => r.name),
    ).toEqual(['GET /orders', 'GET /users/:id']);
    const tree = await run(['analyze', db, '--tree', '--name', 'GET /users/*', '--limit', '2']);
    expect(tree.code).toBe(0);
    expect(tree.stdout.match(/^trace /gm)).toHaveLength(2);
    expect(tree.stdout).not.toContain('GET /orders');
    expect(tree.stdout).toMatch(/^GET \/users\/:id {2}16\.0 ms/m);
    const none = await run(['analyze', db, '--name', 'POST*']);
    expect(none.stdout).toContain('No span name matches POST* in this run.');
  });

  it('--sort accepts every numeric column', async () => {
    for (const key of [
      'calls',
      'recorded',
      'total',
      'estimated',
      'self',
      'self-p50',
      'avg',
      'p50',
      'p95',
      'p99',
      'max',
      'errors',
    ]) {
      const { code, stdout } = await run(['analyze', db, '--sort', key, '--json']);
      expect(code, key).toBe(0);
      expect((JSON.parse(stdout) as { sort: string }).sort).toBe(key);
    }
    const byRecorded = await run(['analyze', db, '--sort', 'recorded', '--json']);
    expect((JSON.parse(byRecorded.stdout) as { rows: Array<{ name: string }> }).rows[0]!.name).toBe(
      'db.query',
    );
    const bySelf = await run(['analyze', db, '--sort', 'self', '--json']);
    expect((JSON.parse(bySelf.stdout) as { rows: Array<{ name: string }> }).rows[0]!.name).toBe(
      'db.query',
    );
    const text = await run(['analyze', db, '--sort', 'p50']);
    expect(text.stdout).toMatch(/\s p50↓\s/);
    // The `≈ all calls` and `self p50` columns sort too, descending, with their header marked.
    for (const [key, field, header] of [
      ['estimated', 'estimatedTotalMs', '≈ all calls↓'],
      ['self-p50', 'selfP50Ms', 'self p50↓'],
    ] as const) {
      const rows = (
        JSON.parse((await run(['analyze', db, '--sort', key, '--json'])).stdout) as {
          rows: Array<Record<string, number>>;
        }
      ).rows.map((row) => row[field]!);
      expect(rows, key).toEqual([...rows].sort((a, b) => b - a));
      expect(new Set(rows).size, key).toBeGreaterThan(1);
      expect((await run(['analyze', db, '--sort', key])).stdout).toContain(header);
    }
  });

  it('--run: a unique prefix, latest, previous; an ambiguous prefix lists the candidates', async () => {
    const runIdOf = async (spec: string) =>
      (
        JSON.parse((await run(['analyze', db, '--run', spec, '--json'])).stdout) as {
          runId: string;
        }
      ).runId;
    expect(await runIdOf('0a1b2')).toBe('0a1b2c3d-older');
    expect(await runIdOf('0a1b9')).toBe('0a1b9999-newer');
    expect(await runIdOf('latest')).toBe('0a1b9999-newer');
    expect(await runIdOf('previous')).toBe('0a1b2c3d-older');
    const ambiguous = await run(['analyze', db, '--run', '0a1b']);
    expect(ambiguous).toEqual({
      code: 1,
      stdout: '',
      stderr: `ferret: ${db}: run "0a1b" is ambiguous: it starts 2 run ids (0a1b9999-newer, 0a1b2c3d-older); type more of it\n`,
    });
    const tree = await run(['analyze', db, '--tree', '--run', '0a1b2', '--limit', '1']);
    expect(tree.stdout).toContain('run 0a1b2c3d-older');
  });

  it('report, watch and export resolve --run as analyze does; -o - is standard output', async () => {
    const older = '0a1b2c3d-older';
    const newer = '0a1b9999-newer';
    for (const [spec, runId, other] of [
      ['0a1b2', older, newer],
      ['previous', older, newer],
      ['latest', newer, older],
    ] as const) {
      const report = await run(['report', db, '--run', spec, '-o', '-']);
      expect({ code: report.code, stderr: report.stderr }).toEqual({ code: 0, stderr: '' });
      expect(report.stdout).toMatch(/^<!doctype html>/i);
      expect(report.stdout).toContain(runId);
      expect(report.stdout).not.toContain(other);
      const watch = await run(['watch', db, '--run', spec, '--once']);
      expect({ code: watch.code, stderr: watch.stderr }).toEqual({ code: 0, stderr: '' });
      expect(watch.stdout).toContain(runId);
      const exported = await run(['export', db, '--run', spec, '-o', '-']);
      expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: '' });
      expect((JSON.parse(exported.stdout) as { name: string }).name).toBe(`ferret ${runId}`);
    }
    for (const command of [
      ['report', '-o', '-'],
      ['watch', '--once'],
    ]) {
      const ambiguous = await run([command[0]!, db, '--run', '0a1b', ...command.slice(1)]);
      expect(ambiguous).toEqual({
        code: 1,
        stdout: '',
        stderr: `ferret: ${db}: run "0a1b" is ambiguous: it starts 2 run ids (0a1b9999-newer, 0a1b2c3d-older); type more of it\n`,
      });
    }
    expect(existsSync('-')).toBe(false);
  });
});

/** Folded lines back into (stack → value). */
function parseFolded(text: string): Map<string, number> {
  const stacks = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    const match = /^(.*) (\d+)$/.exec(line);
    expect(match, line).not.toBeNull();
    stacks.set(match![1]!, (stacks.get(match![1]!) ?? 0) + Number(match![2]));
  }
  return stacks;
}

describe('ferret export: whole-run flame graphs', () => {
  it('--format collapsed: folded stacks of weight-scaled self µs that add up to the run', async () => {
    const { code, stdout, stderr } = await run(['export', db, '--format', 'collapsed']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const stacks = parseFolded(stdout);
    // Weight 2; 40 requests. Leaves keep their whole duration as self time.
    expect(stacks.get('GET /orders;db.query')).toBe(2 * 40 * 35 * 1000);
    expect(stacks.get('GET /orders')).toBe(2 * 40 * 5 * 1000);
    expect(stacks.get('GET /users/:id;db.query')).toBe(2 * 40 * 2 * 1000);
    expect(stacks.get('GET /users/:id;render')).toBe(2 * 40 * 1 * 1000);
    // GET /users/:id: Σ (10 + i % 7) over 40 requests = 515 ms, minus 3 ms of children each.
    expect(stacks.get('GET /users/:id')).toBe(2 * (515 - 40 * 3) * 1000);
    // Σ self is Σ weighted root time plus the overlap of concurrent children (10 ms per order).
    const total = [...stacks.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(2 * (40 * 30 + 515 + 40 * 10) * 1000);
    const out = join(dir, 'run.folded');
    const written = await run(['export', db, '--format', 'collapsed', '-o', out]);
    expect(written.stdout).toMatch(/^Wrote 5 call paths of run 0a1b9999-newer \(5 lines\) to /);
    expect(readFileSync(out, 'utf8')).toBe(stdout);
  });

  it('--format speedscope --aggregate: one sampled profile valid against speedscope’s schema, same totals', async () => {
    const { code, stdout } = await run(['export', db, '--aggregate']);
    expect(code).toBe(0);
    const file = JSON.parse(stdout) as {
      profiles: Array<{ type: string; samples: number[][]; weights: number[]; endValue: number }>;
      shared: { frames: Array<{ name: string }> };
    };
    expect(validateSpeedscope(file), JSON.stringify(validateSpeedscope.errors)).toBe(true);
    expect(file.profiles).toHaveLength(1);
    const profile = file.profiles[0]!;
    expect(profile.type).toBe('sampled');
    const folded = parseFolded((await run(['export', db, '--format', 'collapsed'])).stdout);
    const fromSpeedscope = new Map(
      profile.samples.map((sample, i) => [
        sample.map((f) => file.shared.frames[f]!.name).join(';'),
        profile.weights[i]!,
      ]),
    );
    expect(fromSpeedscope).toEqual(folded);
    expect(profile.endValue).toBe(profile.weights.reduce((a, b) => a + b, 0));
    const perTrace = await run(['export', db]);
    expect(
      (JSON.parse(perTrace.stdout) as { profiles: Array<{ type: string }> }).profiles[0]!.type,
    ).toBe('evented');
  });

  it('--aggregate with --format collapsed is a usage error', async () => {
    const { code, stderr } = await run(['export', db, '--format', 'collapsed', '--aggregate']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ferret: option '--aggregate' is for --format speedscope/);
  });
});

describe('ferret diff', () => {
  it('two databases: per-name rates, percentiles, error rates, a rank test, names in one run only', async () => {
    const { code, stdout, stderr } = await run(['diff', db, slowDb, '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const document = JSON.parse(stdout) as {
      base: { runId: string };
      run: { runId: string };
      names: Array<{
        name: string;
        verdict: string;
        change: { p50: number | null };
        test?: { pValue: number };
        base: { callsPerSecond: number };
      }>;
      onlyInBase: string[];
      onlyInRun: string[];
    };
    expect(validateDiff(document), JSON.stringify(validateDiff.errors)).toBe(true);
    expect(document.base.runId).toBe('0a1b9999-newer');
    expect(document.run.runId).toBe('ffff0000-slow');
    const byName = Object.fromEntries(document.names.map((n) => [n.name, n]));
    expect(byName['GET /users/:id']!.verdict).toBe('slower');
    expect(byName['GET /users/:id']!.test!.pValue).toBeLessThan(0.01);
    expect(byName['GET /users/:id']!.change.p50).toBeGreaterThan(0.5);
    expect(byName['GET /orders']!.verdict).toBe('same');
    expect(byName['GET /orders']!.change.p50).toBeCloseTo(0, 6);
    expect(document.names[0]!.name).toBe('GET /users/:id');
    expect(document.onlyInBase).toEqual(['render']);
    expect(document.onlyInRun).toEqual(['cache.get']);

    const table = await run(['diff', db, slowDb]);
    expect(table.stdout).toMatch(/^GET \/users\/:id\s+.*slower \(p<0\.001\)$/m);
    expect(table.stdout).toMatch(/^GET \/orders\s+.*noise \(p=1\.000\)$/m);
    expect(table.stdout).toContain('only in base: render');
    expect(table.stdout).toContain('only in run: cache.get');
    expect(table.stdout).toContain('Mann-Whitney U test');
  });

  it('a run compared with itself says so', async () => {
    const same = await run(['diff', slowDb, slowDb]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(
      'Both sides are the same run (ffff0000-slow): it is compared with itself, so nothing can change.',
    );
    const other = await run(['diff', db]);
    expect(other.stdout).not.toContain('the same run');
  });

  it('one database: --base previous by default, --run prefixes; no names in common says so', async () => {
    const same = await run(['diff', db, '--json']);
    const document = JSON.parse(same.stdout) as {
      base: { runId: string };
      run: { runId: string };
      names: Array<{ verdict: string }>;
    };
    expect(validateDiff(document), JSON.stringify(validateDiff.errors)).toBe(true);
    expect([document.base.runId, document.run.runId]).toEqual(['0a1b2c3d-older', '0a1b9999-newer']);
    expect(document.names.every((n) => n.verdict === 'same')).toBe(true);
    const explicit = await run(['diff', db, '--base', '0a1b9', '--run', '0a1b2', '--json']);
    expect((JSON.parse(explicit.stdout) as { base: { runId: string } }).base.runId).toBe(
      '0a1b9999-newer',
    );

    const otherDb = join(dir, 'other.db');
    await writeDb(otherDb, [
      record({ name: 'unrelated', traceId: hex(1, 32), startTime: T0, duration: 1, runId: 'x' }),
    ]);
    const disjoint = await run(['diff', db, otherDb]);
    expect(disjoint.code).toBe(0);
    expect(disjoint.stdout).toContain(
      'The two runs have no span names in common: nothing to compare.',
    );
    expect(disjoint.stdout).toContain('only in run: unrelated');
  });
});
