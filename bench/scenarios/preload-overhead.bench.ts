/**
 * What the zero-code preload costs a real service (#13): the Fastify service of
 * `http-overhead/service.ts` (uninstrumented code: `FERRET_BENCH_VARIANT=fastify`) started three
 * ways and saturated over loopback by `wrk` (autocannon when wrk is missing):
 *
 * - uninstrumented;
 * - `node --import @ferret/run/register`: libraries on (http, undici, express, fastify, ioredis,
 *   pg, mysql2, mongodb), the default budget (1,000 spans/s), spans into a SQLite file;
 * - OpenTelemetry's own auto-instrumentation of the same libraries, as its register preload sets
 *   it up (`preload-overhead/otelRegister.ts`): AlwaysOn + BatchSpanProcessor with a discarding
 *   exporter; and the same with ParentBased(AlwaysOff), the instrumentations' own floor.
 *
 * The service runs pinned to CPU 0 and wrk to CPU 1 (taskset, where available). Variants run in
 * interleaved rounds with the order rotating; each figure is the median over rounds, and every
 * ratio is to the uninstrumented service measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSpanReader } from '@ferret/store-sqlite';
import { median, quick, scenario } from '../harness.js';
import {
  CONNECTIONS,
  canPin,
  load,
  loadGenerator,
  measuredLoad,
  startService,
  stopService,
} from '../http-overhead/driver.js';

const here = dirname(fileURLToPath(import.meta.url));
const otelRegister = join(here, '..', 'preload-overhead', 'otelRegister.ts');
const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 2 : 4;
const WARMUP_SECONDS = 1;

interface Variant {
  id: string;
  label: string;
  /** Node flags after `--import tsx`. */
  preload: string[];
  env: Record<string, string>;
}

// Every variable the preload (and its profiler) reads, blank (= unset): each variant runs with
// the defaults whatever the caller's environment holds; the Ferret variant then gets its file.
const CLEAN_FERRET_ENV: Record<string, string> = Object.fromEntries(
  [
    'FERRET_DB',
    'FERRET_MAX_SPANS_PER_SECOND',
    'FERRET_ENABLED',
    'FERRET_RUN_ID',
    'FERRET_RUN_OWNER_PID',
    'FERRET_LIBS',
    'FERRET_FUNCTIONS',
    'FERRET_STALL_MS',
  ].map((name) => [name, '']),
);

const VARIANTS: Variant[] = [
  { id: 'none', label: 'uninstrumented Fastify', preload: [], env: {} },
  {
    id: 'ferret',
    label: 'node --import @ferret/run/register (libs on, default budget, SQLite)',
    preload: ['--import', '@ferret/run/register'],
    env: {},
  },
  {
    id: 'otel',
    label: 'OTel auto-instrumentation, same libraries, AlwaysOn + BatchSpanProcessor (discarding)',
    preload: ['--import', otelRegister],
    env: {},
  },
  {
    id: 'otel-off',
    label:
      "OTel auto-instrumentation, same libraries, ParentBased(AlwaysOff): the instrumentations' floor",
    preload: ['--import', otelRegister],
    env: { FERRET_BENCH_OTEL_SAMPLER: 'off' },
  },
];

/** What a stopped variant recorded, in words. */
function recorded(stats: Record<string, number>, db: string | undefined): string {
  if (db !== undefined) {
    const reader = openSpanReader(db);
    try {
      const [run] = reader.runs();
      return `${run?.rootCalls ?? 0} root calls counted, ${run?.spanCount ?? 0} spans stored`;
    } finally {
      reader.close();
    }
  }
  if (stats['otel.ended'] !== undefined) {
    return `${stats['otel.ended']} spans ended, ${stats['otel.exported']} exported`;
  }
  return 'nothing';
}

await scenario(
  `End to end: the zero-code preload beside OTel's auto-instrumentation (Fastify, ${loadGenerator})`,
  async (report) => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-preload-bench-'));
    const throughput = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
    const cpuPerRequest = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
    const said = new Map<string, string>();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const variant of order) {
          const db = variant.id === 'ferret' ? join(dir, `ferret-${round}.db`) : undefined;
          const service = await startService('fastify', {
            nodeArgs: variant.preload,
            env: { ...CLEAN_FERRET_ENV, ...variant.env, ...(db ? { FERRET_DB: db } : {}) },
          });
          let stats: Record<string, number> = {};
          try {
            await load(service.port, WARMUP_SECONDS);
            const measured = await measuredLoad(service, SECONDS);
            throughput.get(variant.id)!.push(measured.rps);
            if (measured.cpuUsPerRequest !== undefined) {
              cpuPerRequest.get(variant.id)!.push(measured.cpuUsPerRequest);
            }
          } finally {
            stats = await stopService(service);
          }
          said.set(variant.id, recorded(stats, db));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rps = (id: string) => median(throughput.get(id)!);
    for (const variant of VARIANTS) {
      report.record(`${variant.label}: requests/s`, rps(variant.id), 'req/s', {
        anchor: variant.id !== 'ferret',
      });
    }
    const base = rps('none');
    for (const variant of VARIANTS.slice(1)) {
      report.record(`${variant.label}: ratio to uninstrumented`, rps(variant.id) / base, '×');
    }
    // CPU per request (the service's user + system time over the measured seconds, all its
    // threads: Ferret's SQLite writer thread included) is steadier than throughput on a shared
    // machine, as it does not count waiting.
    if (VARIANTS.every((variant) => cpuPerRequest.get(variant.id)!.length > 0)) {
      for (const variant of VARIANTS) {
        report.record(
          `${variant.label}: CPU per request`,
          median(cpuPerRequest.get(variant.id)!),
          'µs',
          { anchor: variant.id !== 'ferret' },
        );
      }
    }
    // Both preloads run the same instrumentations; Ferret's sampler keeps 1,000 spans/s and drops
    // the rest before a span is built, where AlwaysOn builds, queues and exports every span. So
    // with libraries on at its default budget, the preload must serve at least as many requests
    // as OTel's own auto-instrumentation.
    report.ratio(
      'Ferret preload (libs on, default budget) / OTel auto-instrumentation (AlwaysOn), requests/s',
      rps('ferret'),
      rps('otel'),
      '>=',
      1,
    );
    report.note(
      `Ratios to uninstrumented: Ferret preload ${(rps('ferret') / base).toFixed(3)}, OTel AlwaysOn ${(rps('otel') / base).toFixed(3)}, OTel ParentBased(AlwaysOff) ${(rps('otel-off') / base).toFixed(3)} (what the instrumentations cost before any span is recorded).`,
    );
    report.note(
      `Last round (${SECONDS} s + ${WARMUP_SECONDS} s warm-up): Ferret: ${said.get('ferret') || 'n/a'}; OTel AlwaysOn: ${said.get('otel') || 'n/a'}; OTel AlwaysOff: ${said.get('otel-off') || 'n/a'}.`,
    );
    report.note(
      `${ROUNDS} interleaved rounds of ${SECONDS} s per variant, ${CONNECTIONS} connections, medians; server ${canPin ? 'pinned to CPU 0 and load generator to CPU 1 with taskset' : 'not pinned (no taskset or one CPU)'}; Node ${process.version}. The OTel anchor is OTel's register-style preload with the same instrumentation packages as Ferret's (not @opentelemetry/auto-instrumentations-node, which has no fastify 5 instrumentation and exports over OTLP).`,
    );
  },
);
