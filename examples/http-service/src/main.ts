/**
 * The Ferret demo (`pnpm demo`): a small node:http service profiled with `profiler.measure()`,
 * driven by a built-in load generator (steady traffic, then a 10x burst) on 127.0.0.1, with a
 * spans-per-second budget well below the burst. Spans go to a SQLite file; at the end the
 * `ferret analyze` summary and the slowest trace are printed by the CLI itself.
 *
 *   node --import tsx src/main.ts [--db ferret.db]      (or FERRET_DEMO_DB=path)
 */
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { main as ferret } from '@ferret/cli';
import { Profiler } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { BudgetMonitor } from './BudgetMonitor.js';
import { DemoService } from './DemoService.js';
import { LoadGenerator, type LoadPhase, type RequestSpec } from './LoadGenerator.js';

/** Spans per second the profiler may record: far below the burst's ~1,400 spans/s. */
const BUDGET = 200;
const STEADY_RPS = 40;
const PHASES: LoadPhase[] = [
  { name: 'steady', requestsPerSecond: STEADY_RPS, durationMs: 4000 },
  { name: 'burst', requestsPerSecond: STEADY_RPS * 10, durationMs: 4000 },
  { name: 'steady', requestsPerSecond: STEADY_RPS, durationMs: 3000 },
];

const dbPath = parseOptions().db;
const runId = `demo-${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;

const profiler = new Profiler({
  maxSpansPerSecond: BUDGET,
  sink: openStore(dbPath),
  runId,
  onError: (error) => console.error(`profiler: ${String(error)}`),
});
const service = new DemoService(profiler);
const port = await service.listen();
const load = new LoadGenerator({ port, pickRequest });

const rule = '-'.repeat(78);
console.log(rule);
console.log('Ferret demo: a node:http service profiled under a spans-per-second budget');
console.log(rule);
console.log(`  service  http://127.0.0.1:${port}  GET /users/:id, GET /search, POST /checkout`);
console.log('           (handlers use profiler.measure(); about 10% of checkouts fail)');
console.log(`  budget   maxSpansPerSecond: ${BUDGET}   (one request records 3 to 5 spans)`);
console.log(
  `  traffic  ${PHASES.map((p) => `${p.name} ${p.requestsPerSecond} req/s for ${p.durationMs / 1000} s`).join(', then ')}`,
);
console.log(`  output   ${resolve(dbPath)}   (run ${runId})`);
console.log('');
console.log('What to look at: when the burst brings 10x the requests, recorded spans stay at');
console.log('the budget (the bar passes "|" only while the burst allowance is spent) and the');
console.log('other requests are dropped: counted exactly, but no spans. When traffic falls back,');
console.log('every request is recorded again. Then the analysis: exact call counts per route next');
console.log('to latencies measured on the recorded spans, and the slowest trace, whole.');
console.log('');

const monitor = new BudgetMonitor(profiler, load, BUDGET);
monitor.start();
for (const phase of PHASES) {
  // One second at a time, so that each printed row is exactly one second of one phase.
  for (let elapsed = 0; elapsed < phase.durationMs; elapsed += 1000) {
    await load.run({ ...phase, durationMs: Math.min(1000, phase.durationMs - elapsed) });
    monitor.sample(phase.name);
  }
}
await load.drain();
load.close();
await service.close();
await profiler.close(); // writes the last spans and counts, closes the database

const t = load.totals;
const stats = profiler.stats();
const burstSeconds = monitor.samples.filter((s) => s.phase === 'burst');
const peak = Math.max(0, ...burstSeconds.map((s) => s.recorded));
const burstRecorded = burstSeconds.reduce((n, s) => n + s.recorded, 0);
const burstElapsedMs = burstSeconds.reduce((n, s) => n + s.elapsedMs, 0);
console.log('');
console.log(
  `Requests served: ${t.ok + t.clientErrors + t.serverErrors} (${t.ok} ok, ${t.clientErrors} declined checkouts, ${t.serverErrors} errors${t.failed + t.skipped > 0 ? `, ${t.failed} failed, ${t.skipped} not sent` : ''})`,
);
console.log(
  `Spans recorded: ${stats.recordedSpans}; root calls dropped by the budget: ${stats.droppedBySampling}; busiest burst second: ${peak} spans (budget ${BUDGET}/s)`,
);
// The burst's rows last at least a second each, longer on a busy machine; the budget is a rate,
// so what it allows follows the time that really passed.
console.log(
  `Burst: ${burstRecorded} spans recorded in ${(burstElapsedMs / 1000).toFixed(2)} s by the clock; the budget allows ${BUDGET}/s plus a burst allowance of ${BUDGET}`,
);

// The rest is the CLI itself, called in-process: exactly what `ferret analyze` prints.
console.log(`\n$ ferret analyze ${dbPath} --run ${runId}`);
const summaryStatus = await ferret(['analyze', dbPath, '--run', runId]);
console.log(`\n$ ferret analyze ${dbPath} --run ${runId} --tree --limit 1`);
const treeStatus = await ferret(['analyze', dbPath, '--run', runId, '--tree', '--limit', '1']);
// The HTML report goes next to the database (replacing the one of the previous demo run).
const reportPath = join(dirname(resolve(dbPath)), 'report.html');
console.log(`\n$ ferret report ${dbPath} --run ${runId} -o ${reportPath} --force`);
const reportStatus = await ferret(['report', dbPath, '--run', runId, '-o', reportPath, '--force']);
console.log(`\n${rule}`);
// Hints name the file from where the user typed `pnpm demo` (pnpm runs us in the example's
// directory and passes the caller's directory as INIT_CWD).
const userPath = relative(process.env.INIT_CWD ?? process.cwd(), resolve(dbPath)) || dbPath;
const userReport = relative(process.env.INIT_CWD ?? process.cwd(), reportPath) || reportPath;
console.log(
  `Open the report in a browser: ${userReport}  (flame graph, what the budget did per second)`,
);
console.log('Each run adds a new run to the file. Explore it with the CLI:');
console.log(`  pnpm exec ferret runs ${userPath}`);
console.log(
  `  pnpm exec ferret analyze ${userPath} --sort p99          (or --json, --tree --limit 5)`,
);
console.log(`  pnpm exec ferret export ${userPath} --format speedscope -o trace.json`);
console.log(`  pnpm exec ferret watch ${userPath}          (live view while a service writes it)`);
const status = summaryStatus || treeStatus || reportStatus;
process.exitCode = status;

function parseOptions(): { db: string } {
  try {
    const { values } = parseArgs({
      options: { db: { type: 'string', default: process.env.FERRET_DEMO_DB ?? 'ferret.db' } },
    });
    return values;
  } catch (error) {
    // One line, no stack trace: an unknown or incomplete flag is the user's typo, not a crash.
    console.error(`${(error as Error).message}\nusage: node --import tsx src/main.ts [--db PATH]`);
    process.exit(2);
  }
}

/** The store, or one clear line and exit 1 when the file is not usable (e.g. not a Ferret database). */
function openStore(path: string): SqliteSpanStore {
  try {
    return new SqliteSpanStore({ path });
  } catch (error) {
    console.error(`cannot use ${path}: ${(error as Error).message}`);
    process.exit(1);
  }
}

/** A mix of the three routes: half user lookups, a third searches, the rest checkouts. */
function pickRequest(i: number): RequestSpec {
  const r = i % 6;
  if (r < 3) return { method: 'GET', path: `/users/${(i * 7919) % 1000}` };
  if (r < 5) return { method: 'GET', path: `/search?q=${['shoes', 'coats', 'socks'][i % 3]}` };
  return { method: 'POST', path: '/checkout' };
}
