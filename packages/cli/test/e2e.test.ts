// End to end: real database files written by SqliteSpanStore, read through main() and the real
// openSpanReader (loaded from the built @ferret/store-sqlite).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import type { SpeedscopeFile } from '../src/speedscope.js';
import { captureIo } from './support/captureIo.js';
import { stackProblem, validateSpeedscope } from './support/speedscopeChecks.js';

const validateAnalyze = new Ajv().compile(
  JSON.parse(
    readFileSync(new URL('../schemas/analyze.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

const T0 = Date.UTC(2025, 5, 1, 9, 0, 0);
let seq = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
/** Trace ids that differ in their first 8 hex digits, as random W3C ids do. */
const traceIdOf = (n: number) => `${hex(n, 8)}${'0'.repeat(24)}`;

function record(
  fields: Partial<SpanRecord> &
    Pick<SpanRecord, 'name' | 'traceId' | 'startTime' | 'duration' | 'runId'>,
): SpanRecord {
  return {
    spanId: hex(++seq, 16),
    status: 'ok',
    attributes: {},
    pid: 4242,
    threadId: 0,
    weight: 1,
    ...fields,
  };
}

/**
 * The latest run ("run-b"): 20 requests `GET /users`, 1 s apart, each with two overlapping
 * db.query children (Promise.all) and a render; request i lasts 10 + i ms; every 5th fails.
 * Sampling weight 5: count records say 100 calls for 20 recorded roots (80 roots dropped).
 * An older run ("run-a") has 3 `job` roots, all counted and recorded.
 * The oldest run ("run-otel") has no count records, as an OpenTelemetry export: two `GET /`
 * roots of weight 4 and 1, each with a `SELECT` child.
 */
function buildRuns(): { spans: SpanRecord[]; counts: CountRecord[] } {
  const spans: SpanRecord[] = [];
  for (const [i, weight] of [4, 1].entries()) {
    const root = record({
      name: 'GET /',
      traceId: traceIdOf(2000 + i),
      startTime: T0 - 3_600_000 + i * 10,
      duration: 6,
      runId: 'run-otel',
      weight,
    });
    const child = record({
      name: 'SELECT',
      traceId: root.traceId,
      parentSpanId: root.spanId,
      startTime: root.startTime + 1,
      duration: 2,
      runId: 'run-otel',
      weight,
    });
    spans.push(root, child);
  }
  for (let i = 0; i < 3; i++) {
    spans.push(
      record({
        name: 'job',
        traceId: traceIdOf(1000 + i),
        startTime: T0 + i * 10,
        duration: 5,
        runId: 'run-a',
      }),
    );
  }
  for (let i = 0; i < 20; i++) {
    const traceId = traceIdOf(i + 1);
    const start = T0 + 60_000 + i * 1000;
    const failed = i % 5 === 4;
    const root = record({
      name: 'GET /users',
      traceId,
      startTime: start,
      duration: 10 + i,
      runId: 'run-b',
      weight: 5,
      status: failed ? 'error' : 'ok',
      attributes: failed
        ? { 'http.route': '/users', 'error.type': 'Error', 'error.message': `boom ${i}` }
        : { 'http.route': '/users' },
    });
    const q1 = record({
      name: 'db.query',
      traceId,
      parentSpanId: root.spanId,
      startTime: start + 1,
      duration: 4 + i / 4,
      runId: 'run-b',
      weight: 5,
      attributes: { table: 'users' },
    });
    const q2 = record({
      name: 'db.query',
      traceId,
      parentSpanId: root.spanId,
      startTime: start + 1.5,
      duration: 3,
      runId: 'run-b',
      weight: 5,
      attributes: { table: 'roles' },
    });
    const render = record({
      name: 'render',
      traceId,
      parentSpanId: root.spanId,
      startTime: start + 8,
      duration: 1,
      runId: 'run-b',
      weight: 5,
    });
    spans.push(root, q1, q2, render);
  }
  const counts: CountRecord[] = [
    {
      name: 'job',
      calls: 3,
      recorded: 3,
      dropped: 0,
      intervalStart: T0,
      intervalEnd: T0 + 1000,
      runId: 'run-a',
    },
    {
      name: 'GET /users',
      calls: 60,
      recorded: 12,
      dropped: 48,
      intervalStart: T0 + 60_000,
      intervalEnd: T0 + 72_000,
      runId: 'run-b',
    },
    {
      name: 'GET /users',
      calls: 40,
      recorded: 8,
      dropped: 32,
      intervalStart: T0 + 72_000,
      intervalEnd: T0 + 80_000,
      runId: 'run-b',
    },
  ];
  return { spans, counts };
}

async function run(argv: string[], options?: Parameters<typeof captureIo>[0]) {
  const capture = captureIo(options);
  const code = await main(argv, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('ferret on a real database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-e2e-'));
  const db = join(dir, 'ferret.db');
  const data = buildRuns();

  beforeAll(async () => {
    const store = new SqliteSpanStore({
      path: db,
      worker: false,
      onError: (error) => {
        throw error;
      },
    });
    store.write(data.spans);
    store.writeCounts(data.counts);
    await store.close();
  });

  it('runs: every run oldest first; stored spans and root calls (exact from count records, else ≈)', async () => {
    const { code, stdout } = await run(['runs', db, '--json']);
    expect(code).toBe(0);
    const runs = JSON.parse(stdout) as Array<{
      runId: string;
      spanCount: number;
      rootCalls: number;
      calls: number;
      callsExact: boolean;
      firstStartTime: number;
    }>;
    expect(runs.map((r) => [r.runId, r.spanCount, r.rootCalls, r.calls, r.callsExact])).toEqual([
      // No count records: Σ weight of the stored roots (4 + 1), an estimate.
      ['run-otel', 4, 5, 5, false],
      ['run-a', 3, 3, 3, true],
      // 80 stored spans (20 roots, 60 children); the count records' 100 root calls.
      ['run-b', 80, 100, 100, true],
    ]);
    expect(runs[2]!.firstStartTime).toBeCloseTo(T0 + 60_000, 3);
    const text = await run(['runs', db]);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run\s+started \(UTC\)\s+duration\s+spans\s+root calls\s+service$/);
    expect(lines[1]).toMatch(/^run-otel\s+2025-06-01T08:00:00.000Z\s+16.0 ms\s+4\s+≈5$/);
    expect(lines[3]).toMatch(/^run-b\s+2025-06-01T09:01:00.000Z\s+19.0 s\s+80\s+100$/);
    expect(lines[4]).toMatch(/^≈ root calls are estimated/);
  });

  it('analyze: the latest run, exact calls next to sampled latencies, JSON valid against the schema', async () => {
    const { code, stdout, stderr } = await run(['analyze', db, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as {
      runId: string;
      rows: Array<Record<string, number | string | null>>;
    };
    expect(validateAnalyze(document), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(document.runId).toBe('run-b');
    const byName = Object.fromEntries(document.rows.map((r) => [r.name, r]));
    expect(byName['GET /users']).toMatchObject({
      calls: 100,
      callsExact: true,
      recorded: 20,
      dropped: 80,
      errors: 4,
      errorRate: 0.2,
      minMs: 10,
      maxMs: 29,
    });
    expect(byName['GET /users']!.totalMs).toBeCloseTo(390, 6); // Σ (10 + i), i < 20
    expect(byName['GET /users']!.estimatedTotalMs).toBeCloseTo(390 * 5, 6);
    // Children are not counted by the profiler: Σ weight of the stored spans (40 × 5, 20 × 5).
    expect(byName['db.query']).toMatchObject({
      calls: 200,
      callsExact: false,
      recorded: 40,
      dropped: 160,
      errors: 0,
    });
    expect(byName.render).toMatchObject({
      calls: 100,
      callsExact: false,
      recorded: 20,
      minMs: 1,
      maxMs: 1,
    });
    expect(document.rows.map((r) => r.name)).toEqual(['GET /users', 'db.query', 'render']);

    const table = await run(['analyze', db]);
    expect(table.stdout).toMatch(/^GET \/users\s+100\s+20\s+390 ms\s.*\s20.0%$/m);
    expect(table.stdout).toMatch(/^db\.query\s+≈200\s+40\s/m);
    expect(table.stdout).toMatch(/^render\s+≈100\s+20\s/m);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe(
      'calls are exact counts, except ≈ estimates (from the sampling weights of the stored spans); latency columns come from the recorded (sampled) spans',
    );
  });

  it('analyze --run picks an older run; --sort changes the order', async () => {
    const older = await run(['analyze', db, '--run', 'run-a', '--json']);
    expect(
      (JSON.parse(older.stdout) as { rows: Array<{ name: string; calls: number }> }).rows,
    ).toMatchObject([{ name: 'job', calls: 3, callsExact: true }]);
    const byCalls = await run(['analyze', db, '--sort', 'calls', '--json']);
    expect(
      (JSON.parse(byCalls.stdout) as { rows: Array<{ name: string }> }).rows.map((r) => r.name),
    ).toEqual(['db.query', 'GET /users', 'render']);
    // A run without count records: every count is an estimate from the weights.
    const otel = await run(['analyze', db, '--run', 'run-otel', '--json']);
    const otelDocument = JSON.parse(otel.stdout) as object;
    expect(validateAnalyze(otelDocument), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(otelDocument).toMatchObject({
      rows: [
        { name: 'GET /', calls: 5, callsExact: false, recorded: 2, dropped: 3 },
        { name: 'SELECT', calls: 5, callsExact: false, recorded: 2, dropped: 3 },
      ],
    });
  });

  it('analyze --tree: the slowest traces first, with children, attributes and error marks', async () => {
    const { code, stdout } = await run(['analyze', db, '--tree', '--limit', '2']);
    expect(code).toBe(0);
    const headers = stdout.match(/^trace [0-9a-f]{32} {2}\S+ ms/gm);
    expect(headers).toEqual([`trace ${traceIdOf(20)}  29.0 ms`, `trace ${traceIdOf(19)}  28.0 ms`]);
    // Request 19 (i % 5 === 4) failed.
    expect(stdout).toContain('GET /users  29.0 ms  http.route="/users"  ✗ Error: boom 19');
    expect(stdout).toMatch(/├─ db\.query {2}8\.75 ms {2}\+1\.00 ms {2}table="users"/);
    expect(stdout).toMatch(/└─ render {2}1\.00 ms {2}\+8\.00 ms/);
  });

  it('export: a schema-valid speedscope file with valid stacks and every span of the run', async () => {
    const out = join(dir, 'trace.json');
    const { code, stdout, stderr } = await run(['export', db, '--format', 'speedscope', '-o', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Wrote 80 spans in 20 traces of run run-b');
    const file = JSON.parse(readFileSync(out, 'utf8')) as SpeedscopeFile;
    expect(validateSpeedscope(file), JSON.stringify(validateSpeedscope.errors)).toBe(true);
    for (const profile of file.profiles)
      expect(stackProblem(profile), profile.name).toBeUndefined();
    // Two overlapping db.query children per trace: each trace has a second lane.
    expect(file.profiles).toHaveLength(40);
    expect(file.profiles[0]!.name).toBe(`GET /users · ${hex(1, 8)} · lane 1/2`);
    expect(file.profiles[file.activeProfileIndex!]!.name).toBe(
      `GET /users · ${hex(20, 8)} · lane 1/2`,
    );
  });

  it('never modifies the database file', async () => {
    const before = sha(db);
    await run(['runs', db]);
    await run(['analyze', db]);
    await run(['analyze', db, '--tree']);
    await run(['export', db]);
    expect(sha(db)).toBe(before);
  });

  it('an unknown run id is the same line from the store for analyze and export, exit 1', async () => {
    for (const argv of [
      ['analyze', db, '--run', 'nope'],
      ['analyze', db, '--tree', '--run', 'nope'],
      ['export', db, '--run', 'nope'],
    ]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toBe(
        `ferret: ${db} has no run "nope" (latest runs: run-b, run-a, run-otel)\n`,
      );
    }
  });

  it('a Ferret database with no runs: runs says so, analyze and export fail in one line', async () => {
    const emptyDb = join(dir, 'empty.db');
    const store = new SqliteSpanStore({ path: emptyDb, worker: false });
    store.write([]);
    await store.close();
    expect(await run(['runs', emptyDb])).toEqual({
      code: 0,
      stdout: `No runs recorded in ${emptyDb}.\n`,
      stderr: '',
    });
    for (const argv of [
      ['analyze', emptyDb],
      ['analyze', emptyDb, '--tree'],
      ['export', emptyDb],
    ]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toMatch(/^ferret: [^\n]+\n$/);
    }
  });
});
