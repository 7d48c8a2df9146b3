/**
 * What Ferret costs a real service at saturation. The service in `http-overhead/service.ts` runs
 * once per variant and round in its own process (pinned to CPU 0 with `taskset` where available)
 * and a real load generator (`wrk`, pinned to CPU 1; `autocannon` from npm when `wrk` is missing)
 * saturates it over loopback (`http-overhead/driver.ts`). Each service gets a warm-up load before
 * its measured one; variants run in interleaved rounds (the order rotates each round); each
 * figure is the median over rounds, and every goal is a ratio to the uninstrumented service
 * measured in the same run. Beside throughput, the service's own CPU time per request is read
 * from `/proc`: it does not depend on the service being saturated, so it checks the throughput
 * ratios. A variant whose rounds spread more than {@link SPREAD_LIMIT} of its median, a service
 * the load did not keep busy, and an uninstrumented baseline slower than the context floor are
 * flagged in the notes: their ratios are not to be trusted.
 */

import { median, quick, scenario } from '../harness.js';
import {
  CONNECTIONS,
  canPin,
  type LoadResult,
  loadGenerator,
  measuredLoad,
  startService,
  stopService,
} from '../http-overhead/driver.js';

const ROUNDS = quick ? 2 : 7;
const SECONDS = quick ? 2 : 4;
const WARMUP_SECONDS = 2;
/** Largest (max − min) ÷ median of a variant's round throughputs before it is flagged. */
const SPREAD_LIMIT = 0.1;
/** Least CPU time ÷ wall time of a service under load before it is flagged as not saturated. */
const BUSY_FLOOR = 0.9;

const VARIANTS: { id: string; label: string }[] = [
  { id: 'none', label: 'uninstrumented node:http' },
  { id: 'als', label: 'one bare AsyncLocalStorage.run per request (context floor)' },
  { id: 'ferret-discard', label: 'Ferret, default budget (1,000 spans/s), discarding sink' },
  { id: 'ferret-sqlite', label: 'Ferret, default budget, SqliteSpanStore' },
  { id: 'ferret-sqlite-all', label: 'Ferret, every span recorded, SqliteSpanStore' },
  { id: 'otel-always-on', label: 'OTel AlwaysOn + BatchSpanProcessor (discarding exporter)' },
  { id: 'otel-ferret-100', label: 'OTel + createRateLimitedSampler(100 traces/s)' },
  { id: 'otel-parent-always-off', label: "OTel ParentBased(AlwaysOff): the SDK's unsampled floor" },
  { id: 'fastify', label: 'uninstrumented Fastify' },
  { id: 'fastify-ferret-sqlite', label: 'Fastify + Ferret, default budget, SqliteSpanStore' },
];

await scenario(
  `End to end: a node:http service at saturation (${loadGenerator})`,
  async (report) => {
    const results = new Map<string, LoadResult[]>(VARIANTS.map((v) => [v.id, []]));
    const lastStats = new Map<string, Record<string, number>>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const variant of order) {
        const service = await startService(variant.id);
        try {
          await measuredLoad(service, WARMUP_SECONDS);
          results.get(variant.id)!.push(await measuredLoad(service, SECONDS));
        } finally {
          lastStats.set(variant.id, await stopService(service));
        }
      }
    }
    const rounds = (id: string) => results.get(id)!;
    const rps = (id: string) => median(rounds(id).map((r) => r.rps));
    const cpuPerRequest = (id: string) => {
      const values = rounds(id).map((r) => r.cpuUsPerRequest);
      return values.every((v) => v !== undefined) ? median(values as number[]) : undefined;
    };
    const spread = (id: string) => {
      const values = rounds(id).map((r) => r.rps);
      return (Math.max(...values) - Math.min(...values)) / median(values);
    };
    for (const variant of VARIANTS) {
      report.record(`${variant.label}: requests/s`, rps(variant.id), 'req/s', {
        anchor: variant.id === 'none' || variant.id === 'fastify' || variant.id.startsWith('otel'),
      });
    }
    const base = rps('none');
    for (const variant of VARIANTS) {
      const anchorId = variant.id.startsWith('fastify') ? 'fastify' : 'none';
      if (variant.id === anchorId) continue;
      report.record(
        `${variant.label}: ratio to uninstrumented`,
        rps(variant.id) / rps(anchorId),
        '×',
      );
    }
    for (const variant of VARIANTS) {
      const cpu = cpuPerRequest(variant.id);
      if (cpu !== undefined) {
        report.record(`${variant.label}: service CPU per request`, cpu, 'µs', {
          anchor:
            variant.id === 'none' || variant.id === 'fastify' || variant.id.startsWith('otel'),
        });
      }
    }
    for (const variant of VARIANTS) {
      const anchorId = variant.id.startsWith('fastify') ? 'fastify' : 'none';
      const cpu = cpuPerRequest(variant.id);
      const anchorCpu = cpuPerRequest(anchorId);
      if (variant.id === anchorId || cpu === undefined || anchorCpu === undefined) continue;
      report.record(`${variant.label}: CPU per request ÷ uninstrumented`, cpu / anchorCpu, '×');
    }
    report.absolute(
      'Ferret (default budget, SqliteSpanStore) / uninstrumented',
      rps('ferret-sqlite') / base,
      '>=',
      0.95,
    );
    report.absolute(
      'ALS floor − Ferret with a discarding sink, in points of the uninstrumented throughput',
      ((rps('als') - rps('ferret-discard')) / base) * 100,
      '<=',
      1.5,
    );
    report.ratio(
      'Ferret every span into SQLite / OTel AlwaysOn with a discarding exporter',
      rps('ferret-sqlite-all'),
      rps('otel-always-on'),
      '>=',
      1,
    );
    const onNode24 = Number(process.versions.node.split('.')[0]) >= 24;
    if (onNode24) {
      report.absolute(
        'OTel + RateLimitingSampler(100) / uninstrumented (Node 24)',
        rps('otel-ferret-100') / base,
        '>=',
        0.9,
      );
    }
    report.note(
      `RateLimitingSampler(100) reaches ${(rps('otel-ferret-100') / base).toFixed(3)} of uninstrumented; the SDK's own unsampled path, ParentBased(AlwaysOff), reaches ${(rps('otel-parent-always-off') / base).toFixed(3)}: that is the floor any OTel sampler pays.${onNode24 ? '' : ' The ≥ 0.9 goal is stated for Node 24.'}`,
    );
    report.ratio(
      'Fastify + Ferret (default budget, SqliteSpanStore) / uninstrumented Fastify',
      rps('fastify-ferret-sqlite'),
      rps('fastify'),
      '>=',
      0.95,
    );
    const spans = (id: string) => {
      const s = lastStats.get(id) ?? {};
      const parts = [
        s.calls !== undefined ? `root calls ${s.calls}` : undefined,
        s.recordedSpans !== undefined ? `recorded ${s.recordedSpans}` : undefined,
        s.droppedBySampling !== undefined
          ? `dropped by the budget ${s.droppedBySampling}`
          : undefined,
        s['store.spansWritten'] !== undefined ? `stored ${s['store.spansWritten']}` : undefined,
        s.exportedSpans !== undefined ? `exported ${s.exportedSpans}` : undefined,
      ].filter(Boolean);
      return parts.length > 0 ? parts.join(', ') : 'no spans';
    };
    report.note(
      `Spans in the last round (${SECONDS} s + ${WARMUP_SECONDS} s warm-up): ${VARIANTS.filter(
        (v) => v.id !== 'none' && v.id !== 'fastify' && v.id !== 'als',
      )
        .map((v) => `${v.id}: ${spans(v.id)}`)
        .join('; ')}.`,
    );
    report.note(
      `${ROUNDS} interleaved rounds of ${SECONDS} s per variant (after ${WARMUP_SECONDS} s of warm-up load on each service), ${CONNECTIONS} connections, medians; server ${canPin ? 'pinned to CPU 0 and load generator to CPU 1 with taskset' : 'not pinned (no taskset or one CPU)'}; Node ${process.version}.`,
    );
    // Checks of the run itself: each flag says which figures not to trust.
    const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
    report.note(
      `Spread of each variant's round throughputs, (max − min) ÷ median: ${VARIANTS.map((v) => `${v.id} ${percent(spread(v.id))}`).join(', ')}.`,
    );
    const flags: string[] = [];
    const spready = VARIANTS.filter((v) => rounds(v.id).length > 1 && spread(v.id) > SPREAD_LIMIT);
    if (spready.length > 0) {
      flags.push(
        `rounds spread more than ${percent(SPREAD_LIMIT)} for ${spready.map((v) => v.id).join(', ')}: their ratios are within that noise`,
      );
    }
    const idle = VARIANTS.filter((v) =>
      rounds(v.id).some((r) => r.busy !== undefined && r.busy < BUSY_FLOOR),
    );
    if (idle.length > 0) {
      flags.push(
        `the load kept the service busy less than ${percent(BUSY_FLOOR)} of the time in some round of ${idle
          .map(
            (v) =>
              `${v.id} (${rounds(v.id)
                .map((r) => (r.busy === undefined ? '?' : percent(r.busy)))
                .join('/')})`,
          )
          .join(
            ', ',
          )}: not saturated, so throughput understates what it can serve (CPU per request still holds)`,
      );
    }
    if (rps('none') < rps('als')) {
      flags.push(
        `the uninstrumented service served fewer requests/s than the bare-AsyncLocalStorage floor (${Math.round(rps('none'))} < ${Math.round(rps('als'))}): throughput ratios to it are not trustworthy in this run; compare CPU per request`,
      );
    }
    report.note(
      flags.length === 0
        ? 'Run checks: every variant within the spread limit, every service saturated, baseline above the context floor.'
        : `Run checks FAILED: ${flags.join('; ')}.`,
    );
  },
);
