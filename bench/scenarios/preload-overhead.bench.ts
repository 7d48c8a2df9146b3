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
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSpanReader } from '@ferret/store-sqlite';
import { median, quick, scenario } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, '..');
const serviceFile = join(benchDir, 'http-overhead', 'service.ts');
const otelRegister = join(benchDir, 'preload-overhead', 'otelRegister.ts');
const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 2 : 4;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 32;

interface Variant {
  id: string;
  label: string;
  /** Node flags after `--import tsx`. */
  preload: string[];
  env: Record<string, string>;
}

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

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canPin = has('taskset') && cpus().length >= 2;
const loadGenerator = has('wrk') ? 'wrk' : 'autocannon';

function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

interface Service {
  child: ChildProcess;
  port: number;
  lines: AsyncIterableIterator<string>;
  db: string | undefined;
}

async function startService(variant: Variant, dir: string, round: number): Promise<Service> {
  const db = variant.id === 'ferret' ? join(dir, `ferret-${round}.db`) : undefined;
  const [command, args] = pinned(0, process.execPath, [
    '--import',
    'tsx',
    ...variant.preload,
    serviceFile,
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...variant.env,
    FERRET_BENCH_VARIANT: 'fastify',
  };
  // A clean Ferret environment: the variant's own database, every default (budget, libraries).
  for (const key of Object.keys(env))
    if (
      key.startsWith('FERRET_') &&
      key !== 'FERRET_BENCH_VARIANT' &&
      key !== 'FERRET_BENCH_OTEL_SAMPLER'
    )
      delete env[key];
  if (db !== undefined) env.FERRET_DB = db;
  const child = spawn(command, args, { cwd: benchDir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`service ${variant.id} exited before listening`);
    const match = /^listening (\d+)$/.exec(value);
    if (match) return { child, port: Number(match[1]), lines, db };
  }
}

/** Stops the service; returns what it says it recorded. */
async function stopService(service: Service): Promise<string> {
  service.child.kill('SIGTERM');
  let said = '';
  for (;;) {
    const { value, done } = await service.lines.next();
    if (done) break;
    const otel = /^otel-spans (\d+) (\d+)$/.exec(value);
    if (otel) said = `${otel[1]} spans ended, ${otel[2]} exported`;
  }
  if (service.child.exitCode === null) await once(service.child, 'exit');
  if (service.db !== undefined) {
    const reader = openSpanReader(service.db);
    try {
      const [run] = reader.runs();
      said = `${run?.rootCalls ?? 0} root calls counted, ${run?.spanCount ?? 0} spans stored`;
    } finally {
      reader.close();
    }
  }
  return said;
}

/** CPU time (user + system) the process has used so far, ms; undefined where /proc is missing. */
function cpuMs(pid: number): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name): utime, stime.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Requests per second and requests served in `seconds` of saturation. */
async function load(port: number, seconds: number): Promise<{ rps: number; requests: number }> {
  const url = `http://127.0.0.1:${port}/users/42`;
  if (loadGenerator === 'wrk') {
    const [command, args] = pinned(1, 'wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url]);
    const out = execFileSync(command, args, { encoding: 'utf8' });
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
    const requests = /(\d+) requests in/.exec(out);
    if (!rps || !requests) throw new Error(`unexpected wrk output:\n${out}`);
    return { rps: Number(rps[1]), requests: Number(requests[1]) };
  }
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return { rps: result.requests.average, requests: result.requests.total };
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
          const service = await startService(variant, dir, round);
          try {
            await load(service.port, WARMUP_SECONDS);
            const pid = service.child.pid!;
            const cpuBefore = cpuMs(pid);
            const measured = await load(service.port, SECONDS);
            const cpuAfter = cpuMs(pid);
            throughput.get(variant.id)!.push(measured.rps);
            if (cpuBefore !== undefined && cpuAfter !== undefined && measured.requests > 0) {
              cpuPerRequest
                .get(variant.id)!
                .push(((cpuAfter - cpuBefore) * 1000) / measured.requests);
            }
          } finally {
            said.set(variant.id, await stopService(service));
          }
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
    // threads) is steadier than throughput on a shared machine: it does not count waiting.
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
