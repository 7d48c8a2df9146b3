/**
 * One spans-per-second budget shared by several processes through Redis. Each replica (a child
 * process) builds `new Profiler({ bucket })` on a `LeasedTokenBucket` over the same Redis key and
 * runs a hot loop of `measure()` calls far above the budget; together they record at most
 * `rate × seconds + burst + replicas × leaseSize` spans, however many replicas run.
 *
 *   FERRET_REDIS_URL=redis://127.0.0.1:6379 node --import tsx src/main.ts [--replicas 4] [--seconds 5]
 *
 * Without FERRET_REDIS_URL it starts a throwaway redis-server on a free 127.0.0.1 port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fleetBudgetConfigFromEnv } from '@ferret/ratelimit-redis';
import { Redis } from 'ioredis';
import { RedisServer } from '../../../packages/ratelimit-redis/test/helpers/RedisServer.js';
import type { ReplicaReport } from './ReplicaMessages.js';
import { ReplicaProcess } from './ReplicaProcess.js';

const options = parseOptions();
const replicaCount = wholeNumber('--replicas', options.replicas);
const seconds = positiveNumber('--seconds', options.seconds);
const rate = positiveNumber('--rate', options.rate);
const burst = wholeNumber('--burst', options.burst);
const leaseSize = wholeNumber('--lease-size', options['lease-size']);
if (leaseSize > burst) usage(`--lease-size must be at most --burst (${burst}), got ${leaseSize}`);

// FERRET_REDIS_URL, read (and checked: a malformed value warns once and is ignored) by the package.
const givenUrl = fleetBudgetConfigFromEnv().redisUrl;
let server: RedisServer | undefined;
let replicas: ReplicaProcess[] = [];
let exitCode = 1;
try {
  if (givenUrl === undefined) server = await RedisServer.start();
  const redisUrl = givenUrl ?? server!.url;
  // A key of its own for each run, so that a shared Redis holds no state from an earlier one.
  const key = `ferret:example:fleet-budget:${process.pid}:${Date.now()}`;

  console.log('Ferret example: one budget for a fleet of processes, kept in Redis');
  console.log(
    `  redis     ${server === undefined ? 'FERRET_REDIS_URL' : 'a redis-server started for this run on'} ${redactedUrl(redisUrl)}, key ${key}`,
  );
  console.log(
    `  budget    ${rate} spans/s, burst ${burst}, for all replicas together; leases of up to ${leaseSize}`,
  );
  console.log(
    `  replicas  ${replicaCount} processes, each new Profiler({ bucket: new LeasedTokenBucket(...) }), measure() flat out for ${seconds} s\n`,
  );

  replicas = Array.from({ length: replicaCount }, () => new ReplicaProcess());
  const config = { redisUrl, key, ratePerSecond: rate, burst, leaseSize, replicas: replicaCount };
  // Start-up (loading modules, connecting) is not part of the measured window: everyone is
  // connected before anyone takes a token.
  await Promise.all(replicas.map((r) => r.configure(config)));
  const goAt = performance.now();
  for (const r of replicas) r.go();
  await sleep(seconds * 1000);
  const stopAt = performance.now();
  const reports = await Promise.all(replicas.map((r) => r.stop()));
  const doneAt = performance.now();
  await deleteKey(redisUrl, key);

  // Replicas could take tokens only between 'go' and their report: the bound uses that window.
  // All of them were running from the last 'started' until 'stop': the floor uses that one.
  const anyRunning = (doneAt - goAt) / 1000;
  const allRunning = (stopAt - Math.max(...replicas.map((r) => r.startedAt ?? stopAt))) / 1000;
  exitCode = printResults(reports, anyRunning, allRunning) ? 0 : 1;
} catch (error) {
  // e.g. no redis-server installed, FERRET_REDIS_URL unreachable: one line, no stack trace.
  console.error(`fleet-budget: ${(error as Error).message}`);
  for (const r of replicas) r.kill();
} finally {
  await server?.stop();
}
process.exitCode = exitCode;

/** Prints the per-replica table and the total against the bound; true if within it. */
function printResults(reports: ReplicaReport[], anyRunning: number, allRunning: number): boolean {
  console.log('replica      pid        calls  recorded spans  spans/s  leases  returned  fallback');
  for (const [i, r] of reports.entries()) {
    console.log(
      `${pad(i + 1, 7)} ${pad(r.pid, 8)} ${pad(r.calls, 12)} ${pad(r.recordedSpans, 15)} ${pad((r.recordedSpans / (r.loadMs / 1000)).toFixed(1), 8)} ${pad(r.leases, 7)} ${pad(r.returnedTokens, 9)} ${pad(r.fallbackTokens, 9)}`,
    );
  }
  const calls = sum(reports.map((r) => r.calls));
  const recorded = sum(reports.map((r) => r.recordedSpans));
  console.log(
    `  total          ${pad(calls, 12)} ${pad(recorded, 15)} ${pad((recorded / anyRunning).toFixed(1), 8)}`,
  );
  const bound = Math.floor(rate * anyRunning + burst + replicaCount * leaseSize);
  const within = recorded <= bound;
  console.log(
    `\nrecorded ${recorded} spans in ${anyRunning.toFixed(2)} s (all ${replicaCount} replicas running for ${allRunning.toFixed(2)} s): ${(recorded / anyRunning).toFixed(1)} spans/s (the first burst included) against a fleet budget of ${rate} spans/s`,
  );
  console.log(
    `bound: ${rate}/s x ${anyRunning.toFixed(2)} s + burst ${burst} + ${replicaCount} replicas x lease ${leaseSize} = ${bound}: ${within ? 'within' : 'EXCEEDED'}`,
  );
  console.log(
    `separate budgets of ${rate}/s per process would have allowed up to ${replicaCount * Math.floor(rate * anyRunning + burst)}`,
  );
  const outages = sum(reports.map((r) => r.outages));
  if (outages > 0) {
    console.log(
      `${outages} Redis outage(s) reported; ${sum(reports.map((r) => r.fallbackTokens))} spans admitted on the local fallback shares`,
    );
  }
  return within;
}

/** Removes the run's key (a user's own Redis keeps no litter). */
async function deleteKey(url: string, key: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
}

/** The URL without its password, for printing. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function parseOptions(): Record<'replicas' | 'seconds' | 'rate' | 'burst' | 'lease-size', string> {
  try {
    return parseArgs({
      options: {
        replicas: { type: 'string', default: '4' },
        seconds: { type: 'string', default: '5' },
        rate: { type: 'string', default: '200' },
        burst: { type: 'string', default: '200' },
        'lease-size': { type: 'string', default: '20' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
}

function wholeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    usage(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
  }
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    usage(`${flag} must be a positive number, got ${JSON.stringify(text)}`);
  }
  return value;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: node --import tsx src/main.ts [--replicas N] [--seconds N] [--rate N] [--burst N] [--lease-size N]`,
  );
  process.exit(2);
}
