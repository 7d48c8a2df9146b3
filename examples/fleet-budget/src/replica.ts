/**
 * One replica of the fleet (a child process started by main.ts): a Profiler whose budget is a
 * LeasedTokenBucket on the shared Redis key, behind a load loop that calls measure() far more
 * often than the budget allows. Talks to main.ts over the fork() IPC channel.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Profiler } from '@ferret/profiler';
import { LeasedTokenBucket } from '@ferret/ratelimit-redis';
import { Redis } from 'ioredis';
import type { FromReplica, ReplicaConfig, ToReplica } from './ReplicaMessages.js';

/** measure() calls between two turns of the event loop (lease replies and messages come in then). */
const CALLS_PER_TURN = 100;

const send = (message: FromReplica): void => {
  process.send?.(message);
};

let redis: Redis | undefined;
let bucket: LeasedTokenBucket | undefined;
let profiler: Profiler | undefined;
let running = false;
let stopped: () => void = () => {};
const stopRequested = new Promise<void>((resolve) => {
  stopped = resolve;
});

process.on('message', (message: ToReplica) => {
  if (message.type === 'config') {
    start(message.config).then(
      () => send({ type: 'ready' }),
      (error: unknown) => fail(error),
    );
  } else if (message.type === 'go') {
    run().catch(fail);
  } else if (message.type === 'stop') {
    running = false;
    stopped();
  }
});

async function start(config: ReplicaConfig): Promise<void> {
  // One retry per command and a short reconnect delay: the bucket reports Redis trouble itself
  // (through onError) and falls back to its local share; it never waits on a reconnect.
  redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
    connectTimeout: 5000,
  });
  redis.on('error', () => {}); // connection errors are the bucket's to report
  try {
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis did not answer PING: ${(error as Error).message}`);
  }
  bucket = new LeasedTokenBucket({
    redis,
    key: config.key,
    ratePerSecond: config.ratePerSecond,
    burst: config.burst,
    leaseSize: config.leaseSize,
    expectedReplicas: config.replicas,
    onError: (error) => console.error(`replica ${process.pid}: ${error.message}`),
  });
  profiler = new Profiler({ bucket });
}

let checksum = 0;

/** A request handler's worth of work: a little arithmetic. */
function handleRequest(): number {
  let h = checksum;
  for (let k = 0; k < 20; k++) h = (h * 31 + k) | 0;
  checksum = h;
  return h;
}

async function run(): Promise<void> {
  if (profiler === undefined || bucket === undefined) throw new Error('go before config');
  const p = profiler;
  send({ type: 'started' });
  running = true;
  const startedAt = performance.now();
  let calls = 0;
  while (running) {
    for (let i = 0; i < CALLS_PER_TURN; i++) p.measure('request', handleRequest);
    calls += CALLS_PER_TURN;
    await yieldToLoop();
  }
  await stopRequested;
  const loadMs = performance.now() - startedAt;
  const { recordedSpans } = p.stats();
  await p.close();
  await bucket.close(); // gives the unused leased tokens back to the shared bucket
  const stats = bucket.stats();
  redis?.disconnect();
  send({
    type: 'report',
    pid: process.pid,
    calls,
    recordedSpans,
    loadMs,
    leases: stats.leases,
    leasedTokens: stats.leasedTokens,
    returnedTokens: stats.returnedTokens,
    fallbackTokens: stats.fallbackTokens,
    outages: stats.outages,
  });
  process.disconnect();
}

function fail(error: unknown): void {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  redis?.disconnect();
  process.disconnect();
}
