/**
 * What Ferret costs a real service at saturation. The service in `http-overhead/service.ts` runs
 * once per variant in its own process (pinned to CPU 0 with `taskset` where available) and a
 * real load generator (`wrk`, pinned to CPU 1; `autocannon` from npm when `wrk` is missing)
 * saturates it over loopback. Variants run in interleaved rounds (the order rotates each
 * round); each figure is the median over rounds, and every goal is a ratio to the uninstrumented
 * service measured in the same run.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, quick, scenario } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const serviceFile = join(here, '..', 'http-overhead', 'service.ts');
const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 2 : 4;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 32;

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

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canPin = has('taskset') && (await import('node:os')).cpus().length >= 2;
const loadGenerator = has('wrk') ? 'wrk' : 'autocannon';

function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

interface Service {
  child: ChildProcess;
  port: number;
  lines: AsyncIterableIterator<string>;
}

async function startService(variant: string): Promise<Service> {
  const [command, args] = pinned(0, process.execPath, ['--import', 'tsx', serviceFile]);
  const child = spawn(command, args, {
    cwd: join(here, '..'),
    env: { ...process.env, FERRET_BENCH_VARIANT: variant },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`service ${variant} exited before listening`);
    const match = /^listening (\d+)$/.exec(value);
    if (match) return { child, port: Number(match[1]), lines };
  }
}

async function stopService(service: Service): Promise<Record<string, number>> {
  service.child.kill('SIGTERM');
  let stats: Record<string, number> = {};
  for (;;) {
    const { value, done } = await service.lines.next();
    if (done) break;
    if (value.startsWith('stats ')) stats = JSON.parse(value.slice(6)) as Record<string, number>;
  }
  if (service.child.exitCode === null) await once(service.child, 'exit');
  return stats;
}

/** Requests per second the load generator got through in `seconds`. */
async function load(port: number, seconds: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/users/42`;
  if (loadGenerator === 'wrk') {
    const [command, args] = pinned(1, 'wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url]);
    const out = execFileSync(command, args, { encoding: 'utf8' });
    const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
    if (!match) throw new Error(`unexpected wrk output:\n${out}`);
    return Number(match[1]);
  }
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return result.requests.average;
}

await scenario(
  `End to end: a node:http service at saturation (${loadGenerator})`,
  async (report) => {
    const throughput = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
    const lastStats = new Map<string, Record<string, number>>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const variant of order) {
        const service = await startService(variant.id);
        try {
          await load(service.port, WARMUP_SECONDS);
          throughput.get(variant.id)!.push(await load(service.port, SECONDS));
        } finally {
          lastStats.set(variant.id, await stopService(service));
        }
      }
    }
    const rps = (id: string) => median(throughput.get(id)!);
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
      `${ROUNDS} interleaved rounds of ${SECONDS} s per variant, ${CONNECTIONS} connections, medians; server ${canPin ? 'pinned to CPU 0 and load generator to CPU 1 with taskset' : 'not pinned (no taskset or one CPU)'}; Node ${process.version}.`,
    );
  },
);
