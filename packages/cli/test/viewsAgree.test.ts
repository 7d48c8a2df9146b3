// Every view of one sampled run counts calls the same way: `analyze`'s per-name calls and
// weight-scaled times are what the report's flame graph, the folded stacks, the aggregated
// speedscope profile and `watch` show (root names' exact counts, children scaled by their root
// name's factor), not the raw Σ weight of the stored spans.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountRecord, SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import type { ReportData, ReportFrame } from '../src/report/ReportData.js';
import { captureIo } from './support/captureIo.js';

let dir: string;
let db: string;
/** 30 s ago on a whole second: inside `watch`'s window, which ends at the current second. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 30_000;
const RUN = 'sampled-run';
let seq = 0;

function span(
  trace: string,
  parent: string | undefined,
  name: string,
  start: number,
  duration: number,
  weight: number,
): SpanRecord {
  seq++;
  const record: SpanRecord = {
    traceId: trace,
    spanId: seq.toString(16).padStart(16, '0'),
    name,
    startTime: start,
    duration,
    status: 'ok',
    attributes: {},
    runId: RUN,
    pid: 1,
    threadId: 0,
    weight,
  };
  if (parent !== undefined) record.parentSpanId = parent;
  return record;
}

/** One trace: the root and its children one after another (no overlap), children first. */
function trace(root: string, children: [string, number][], start: number, weight: number) {
  const traceId = (seq + 1).toString(16).padStart(32, '0');
  const top = span(traceId, undefined, root, start, 20, weight);
  let at = start + 1;
  const spans = children.map(([name, duration]) => {
    const child = span(traceId, top.spanId, name, at, duration, weight);
    at += duration + 1;
    return child;
  });
  return [...spans, top];
}

function counts(name: string, calls: number, recorded: number, second: number): CountRecord {
  return {
    name,
    calls,
    recorded,
    dropped: calls - recorded,
    intervalStart: T0 + second * 1000,
    intervalEnd: T0 + (second + 1) * 1000,
    runId: RUN,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferret-views-'));
  db = join(dir, 'sampled.db');
  const spans: SpanRecord[] = [];
  const records: CountRecord[] = [];
  // Ten seconds of a budget that drops most calls; the stored roots' weights lag the traffic
  // (Σ weight 76 for 300 calls of GET /a, 40 for 100 of GET /b), as after a burst.
  for (let s = 0; s < 10; s++) {
    for (let i = 0; i < 4; i++) {
      spans.push(
        ...trace(
          'GET /a',
          [
            ['db.query', 5],
            ['render', 3],
          ],
          T0 + s * 1000 + i * 100,
          1 + (s % 3),
        ),
      );
    }
    for (let i = 0; i < 2; i++) {
      spans.push(...trace('GET /b', [['db.query', 4]], T0 + s * 1000 + 500 + i * 100, 2));
    }
    records.push(counts('GET /a', 30, 4, s), counts('GET /b', 10, 2, s));
  }
  const store = new SqliteSpanStore({ path: db, worker: false });
  store.write(spans);
  store.writeCounts(records);
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  const cli = captureIo();
  const code = await main(args, cli.io);
  expect(cli.stderr).toBe('');
  expect(code).toBe(0);
  return cli.stdout;
}

interface AnalyzeRow {
  name: string;
  calls: number;
  estimatedTotalMs: number;
}

/** Σ of `value` per first frame (root name) of folded lines `a;b;c value`. */
function perRoot(entries: [string[], number][]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const [path, value] of entries) sums.set(path[0]!, (sums.get(path[0]!) ?? 0) + value);
  return sums;
}

describe('every view counts calls as analyze does', () => {
  it('report flame graph, collapsed, speedscope --aggregate and watch agree with analyze', async () => {
    const rows = (JSON.parse(await run(['analyze', db, '--json'])) as { rows: AnalyzeRow[] }).rows;
    const analyzed = new Map(rows.map((row) => [row.name, row]));
    // The exact root counts and the children scaled by their root's factor (300/76, 100/40).
    expect(analyzed.get('GET /a')!.calls).toBe(300);
    expect(analyzed.get('GET /b')!.calls).toBe(100);
    expect(analyzed.get('render')!.calls).toBe(300);
    expect(analyzed.get('db.query')!.calls).toBe(400);

    // The report: frames of one name add up to analyze's calls (the page rounds to 0.01).
    const out = join(dir, 'report.html');
    await run(['report', db, '-o', out]);
    const html = readFileSync(out, 'utf8');
    const json = /<script type="application\/json" id="ferret-data">([^<]*)<\/script>/.exec(html);
    const data = JSON.parse(json![1]!) as ReportData;
    const frameCalls = new Map<string, number>();
    const frameTotals = new Map<string, number>();
    const stack: ReportFrame[] = [...data.stacks[6]];
    while (stack.length > 0) {
      const frame = stack.pop()!;
      const name = data.names[frame[0]]!;
      frameCalls.set(name, (frameCalls.get(name) ?? 0) + frame[1]);
      frameTotals.set(name, (frameTotals.get(name) ?? 0) + frame[3]);
      stack.push(...frame[6]);
    }
    for (const row of rows) {
      expect(frameCalls.get(row.name), row.name).toBeCloseTo(row.calls, 0);
      expect(frameTotals.get(row.name), row.name).toBeCloseTo(row.estimatedTotalMs, 0);
    }
    for (const row of data.summary) expect(row.calls).toBe(analyzed.get(row.name)!.calls);

    // Folded stacks: children run one after another inside their root, so a root's lines add
    // up to its weight-scaled total time (µs, rounded per line).
    const folded = (await run(['export', db, '--format', 'collapsed']))
      .trim()
      .split('\n')
      .map((line): [string[], number] => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at).split(';'), Number(line.slice(at + 1))];
      });
    const foldedRoots = perRoot(folded);
    for (const name of ['GET /a', 'GET /b']) {
      expect(foldedRoots.get(name)! / 1000, name).toBeCloseTo(
        analyzed.get(name)!.estimatedTotalMs,
        1,
      );
    }

    // The aggregated speedscope profile: the same weights per root.
    const speedscope = JSON.parse(await run(['export', db, '--aggregate'])) as {
      shared: { frames: { name: string }[] };
      profiles: { samples: number[][]; weights: number[] }[];
    };
    const [profile] = speedscope.profiles;
    const sampleRoots = perRoot(
      profile!.samples.map((sample, i): [string[], number] => [
        sample.map((index) => speedscope.shared.frames[index]!.name),
        profile!.weights[i]!,
      ]),
    );
    for (const name of ['GET /a', 'GET /b']) {
      expect(sampleRoots.get(name)! / 1000, name).toBeCloseTo(
        analyzed.get(name)!.estimatedTotalMs,
        1,
      );
    }

    // watch over a window holding the whole run: the same calls per name.
    const frame = await run(['watch', db, '--once', '--window', '60']);
    for (const row of rows) {
      const line = frame.split('\n').find((l) => l.startsWith(`${row.name} `));
      const calls = Number(
        line!
          .trim()
          .split(/\s{2,}/)[1]!
          .replace(/[≈,]/g, ''),
      );
      expect(calls, row.name).toBe(row.calls);
    }
  });
});
