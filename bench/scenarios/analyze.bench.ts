// `ferret analyze --by`, the whole-run stack tree and `ferret report` over a 1,000,000-span run:
// time and the peak RSS of a fresh process, with summary() over the same file as the anchor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { median, quick, scenario } from '../harness.js';

const SPANS = quick ? 200_000 : 1_000_000;
const NAMES = 40;
const ROUNDS = quick ? 1 : 3;

/** Traces of 8 spans (a root and 7 children, the last two overlapping), 3 attributes. */
function makeSpans(count: number, offset: number): SpanRecord[] {
  const spans: SpanRecord[] = new Array(count);
  for (let j = 0; j < count; j++) {
    const i = j + offset;
    const trace = Math.floor(i / 8);
    const position = i % 8;
    const traceStart = 1_700_000_000_000 + trace * 0.4;
    spans[j] = {
      traceId: trace.toString(16).padStart(32, '0'),
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: position === 0 ? undefined : (i - position).toString(16).padStart(16, '0'),
      name: `op.${i % NAMES}`,
      startTime: traceStart + position * 0.04,
      duration: position === 0 ? 0.4 : 0.03 + (position >= 6 ? 0.02 : 0),
      status: i % 50 === 0 ? 'error' : 'ok',
      attributes: { 'http.route': '/items/:id', 'db.rows': i % 100, cached: i % 3 === 0 },
      runId: 'bench',
      pid: 4242,
      threadId: 0,
      weight: 1 + (trace % 3),
    };
  }
  return spans;
}

/** Runs `call` on the file in a fresh process: wall time of the call (ms) and peak RSS (MiB). */
function inChild(path: string, call: string): { ms: number; rssMiB: number } {
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { openSpanReader } from '@ferret/store-sqlite';
       const begin = performance.now();
       const reader = openSpanReader(${JSON.stringify(path)});
       const result = reader.${call};
       reader.close();
       const ms = performance.now() - begin;
       if (result === undefined) process.exit(3);
       process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS }));`,
    ],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`${call} failed: ${child.stderr}`);
  const { ms, rss } = JSON.parse(child.stdout) as { ms: number; rss: number };
  return { ms, rssMiB: rss / 1024 };
}

/**
 * `ferret report <path> -o <out>` through the CLI's `main` in a fresh process: wall time of the
 * whole command (open, profile, render, write) and peak RSS.
 */
function reportInChild(path: string, out: string): { ms: number; rssMiB: number } {
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { main } from '@ferret/cli';
       const begin = performance.now();
       // @ferret/cli resolves from the workspace root (a root devDependency).
       const code = await main(['report', ${JSON.stringify(path)}, '-o', ${JSON.stringify(out)}, '--force'], {
         stdout: { write() {} },
       });
       const ms = performance.now() - begin;
       if (code !== 0) process.exit(3);
       process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS }));`,
    ],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`ferret report failed: ${child.stderr}`);
  const { ms, rss } = JSON.parse(child.stdout) as { ms: number; rss: number };
  return { ms, rssMiB: rss / 1024 };
}

await scenario('analyze: --by, the whole-run stack tree and ferret report', async (report) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-bench-analyze-'));
  try {
    const path = join(dir, 'analyze.db');
    const writer = new SqliteSpanStore({ path, worker: false });
    const chunk = 50_000;
    for (let offset = 0; offset < SPANS; offset += chunk) {
      writer.write(makeSpans(Math.min(chunk, SPANS - offset), offset));
    }
    await writer.close();
    const cases = {
      summary: 'summary()',
      analyzeBy: "analyze({ by: 'db.rows', maxValuesPerName: 20 })",
      stackTree: 'stackTree()',
    };
    const results: Record<keyof typeof cases | 'report', Array<{ ms: number; rssMiB: number }>> = {
      summary: [],
      analyzeBy: [],
      stackTree: [],
      report: [],
    };
    // Interleaved rounds, each call in its own process.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, call] of Object.entries(cases) as Array<[keyof typeof cases, string]>) {
        results[key].push(inChild(path, call));
      }
      results.report.push(reportInChild(path, join(dir, 'report.html')));
    }
    const spans = SPANS.toLocaleString('en-US');
    const ms = (key: keyof typeof results) => median(results[key].map((r) => r.ms));
    const rss = (key: keyof typeof results) => Math.max(...results[key].map((r) => r.rssMiB));
    const anchor = report.record(
      `summary() over ${spans} spans (${NAMES} names)`,
      ms('summary'),
      'ms',
      {
        anchor: true,
      },
    );
    const analyzeMs = report.record(
      `analyze({ by }) over ${spans} spans (${NAMES} names × 21 values, self time)`,
      ms('analyzeBy'),
      'ms',
    );
    const treeMs = report.record(`stackTree() over ${spans} spans`, ms('stackTree'), 'ms');
    const analyzeRss = report.record(
      'peak RSS of a process running analyze({ by })',
      rss('analyzeBy'),
      'MiB',
    );
    report.record('peak RSS of a process running stackTree()', rss('stackTree'), 'MiB');
    report.record('peak RSS of a process running summary()', rss('summary'), 'MiB');
    const reportMs = report.record(
      `ferret report over ${spans} spans (profile, HTML, write)`,
      ms('report'),
      'ms',
    );
    const reportRss = report.record(
      'peak RSS of a process running ferret report',
      rss('report'),
      'MiB',
    );
    const pageKiB = report.record(
      `size of the report page over ${spans} spans`,
      statSync(join(dir, 'report.html')).size / 1024,
      'KiB',
    );
    report.absolute(`analyze --by over ${spans} spans, ms <= 3000`, analyzeMs, '<=', 3000);
    report.absolute('analyze --by peak RSS, MiB <= 199', analyzeRss, '<=', 199);
    report.ratio('analyze --by / summary() <= 3', analyzeMs, anchor, '<=', 3);
    report.ratio('stackTree / summary() <= 3', treeMs, anchor, '<=', 3);
    report.absolute(`ferret report over ${spans} spans, ms <= 3000`, reportMs, '<=', 3000);
    report.absolute('ferret report peak RSS, MiB <= 199', reportRss, '<=', 199);
    report.absolute('ferret report page size, KiB < 2048', pageKiB, '<=', 2047);
    report.note(
      'Each call runs in a fresh process (open, query, close), so the RSS includes Node itself. analyze streams the run in start order through the (run_key, start_time) index and keeps only the spans in flight for self time; summary() scans the table without order. ferret report runs main() of @ferret/cli (one profile() pass in storage order, then the HTML page); this file stores each trace root first, the order that makes the profile remember every span for late children.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
