/**
 * Driving the end-to-end service (`service.ts`) from a bench scenario: start one variant in its
 * own process (pinned to CPU 0 with `taskset` where available), saturate it with a real load
 * generator (`wrk` pinned to CPU 1; `autocannon` from npm when `wrk` is missing), read the CPU
 * time the service used, and stop it (collecting what it recorded).
 *
 * Exported for every scenario that measures a service this way (`http-overhead`, and scenarios
 * that start the service under another preload): keep these signatures stable.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** `/proc/<pid>/stat` counts CPU time in clock ticks: 100 per second on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The service every variant runs (`FERRET_BENCH_VARIANT` picks the instrumentation). */
export const serviceFile = join(here, 'service.ts');

/** Concurrent connections of the load generator. */
export const CONNECTIONS = 32;

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the service and the load generator each get a CPU of their own. */
export const canPin = has('taskset') && cpus().length >= 2;

/** `wrk` when installed, else `autocannon` (npm). */
export const loadGenerator: 'wrk' | 'autocannon' = has('wrk') ? 'wrk' : 'autocannon';

/** `command args…` run on CPU `cpu` when pinning is available. */
export function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

export interface Service {
  child: ChildProcess;
  port: number;
  lines: AsyncIterableIterator<string>;
}

export interface StartOptions {
  /** Node flags before the service file (after `--import tsx`), e.g. another `--import`. */
  nodeArgs?: string[];
  /** Extra environment for the service process. */
  env?: NodeJS.ProcessEnv;
}

/** Starts the service with `variant`, resolved once it prints `listening <port>`. */
export async function startService(variant: string, options: StartOptions = {}): Promise<Service> {
  const [command, args] = pinned(0, process.execPath, [
    '--import',
    'tsx',
    ...(options.nodeArgs ?? []),
    serviceFile,
  ]);
  const child = spawn(command, args, {
    cwd: join(here, '..'),
    env: { ...process.env, ...options.env, FERRET_BENCH_VARIANT: variant },
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

/** Stops the service (SIGTERM) and returns the counters it printed on the way out. */
export async function stopService(service: Service): Promise<Record<string, number>> {
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
export async function load(port: number, seconds: number): Promise<number> {
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

/**
 * CPU time (user + system, ms, all threads) the process `pid` has used so far, from
 * `/proc/<pid>/stat`; undefined where there is no `/proc` (the figure is then left out).
 * `taskset` execs the command, so a pinned service's pid is the service's own.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface LoadResult {
  /** Requests per second. */
  rps: number;
  /** The service's CPU time per request (µs), when `/proc` is there. */
  cpuUsPerRequest: number | undefined;
  /** The service's CPU time ÷ wall time over the run: near 1 when the load saturated it. */
  busy: number | undefined;
}

/** {@link load}, with the CPU time the service used meanwhile. */
export async function measuredLoad(service: Service, seconds: number): Promise<LoadResult> {
  const cpuBefore = processCpuMs(service.child.pid);
  const begin = performance.now();
  const rps = await load(service.port, seconds);
  const wallMs = performance.now() - begin;
  const cpuAfter = processCpuMs(service.child.pid);
  if (cpuBefore === undefined || cpuAfter === undefined) {
    return { rps, cpuUsPerRequest: undefined, busy: undefined };
  }
  const cpuMs = cpuAfter - cpuBefore;
  // The load generator's own run is `seconds` long; the wall time adds its start and exit.
  return { rps, cpuUsPerRequest: (cpuMs * 1000) / (rps * seconds), busy: cpuMs / wallMs };
}
