// A fleet of real Profilers (child processes, or worker threads) sharing one budget through a
// real redis-server. Each replica runs a load loop far above the budget. Assertions are bounds,
// never exact timings: the machine running them may be loaded.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Replica,
  type ReplicaConfig,
  type ReplicaReport,
  sleep,
  startFleet,
} from './helpers/Fleet.js';
import { RedisServer } from './helpers/RedisServer.js';

const RATE = 200;
const BURST = 200;
const LEASE = 20;
const PERIOD = 1000;
const REPLICAS = 4;
/** The bound on spans recorded by the whole fleet over `seconds`. */
const bound = (seconds: number) => RATE * seconds + BURST + REPLICAS * LEASE;

let server: RedisServer;
let running: Replica[] = [];
let keys = 0;

beforeAll(async () => {
  server = await RedisServer.start();
});
afterEach(() => {
  for (const replica of running) replica.kill();
  running = [];
});
afterAll(async () => {
  await server?.stop();
});

function config(): ReplicaConfig {
  return {
    url: server.url,
    key: `fleet:${++keys}`,
    rate: RATE,
    burst: BURST,
    leaseSize: LEASE,
    leasePeriodMs: PERIOD,
    replicas: REPLICAS,
  };
}

async function start(count: number, c: ReplicaConfig, thread = false): Promise<Replica[]> {
  const fleet = await startFleet(count, c, thread);
  running.push(...fleet);
  return fleet;
}

/** Runs the fleet for `seconds` and returns the reports and the elapsed time measured around it. */
async function runFor(
  fleet: Replica[],
  seconds: number,
): Promise<{ reports: ReplicaReport[]; elapsed: number }> {
  const start = performance.now();
  for (const replica of fleet) replica.send({ type: 'go' });
  await sleep(seconds * 1000);
  const reports = await Promise.all(fleet.map((r) => r.stop()));
  return { reports, elapsed: (performance.now() - start) / 1000 };
}

function expectWithinBudget(reports: ReplicaReport[], elapsed: number): void {
  if (process.env.FLEET_DEBUG)
    console.log(
      JSON.stringify({ elapsed, reports: reports.map(({ timeline: _, ...r }) => r) }, null, 1),
    );
  const total = reports.reduce((sum, r) => sum + r.recorded, 0);
  // The guarantee: never more than rate × elapsed + burst + replicas × lease.
  expect(total).toBeLessThanOrEqual(bound(elapsed));
  // And the budget is used, not starved: at least 90% of what the budget grants over the time
  // the fleet really ran. A loaded machine stalls the replicas (a second at once has been seen),
  // and budget earned while none of them runs is lost to the burst cap; so the time is each
  // replica's own (from its first grant to stop, stalls left out), and the fleet ran at least
  // as long as its longest-running replica. On a quiet machine that is nearly the whole run;
  // under load the floor falls with the time the fleet had. Without leases renewed, or with
  // replicas that stop asking, the total falls far below it.
  const activeSeconds = Math.max(...reports.map((r) => r.activeMs)) / 1000;
  expect(activeSeconds).toBeGreaterThan(0);
  expect(activeSeconds).toBeLessThanOrEqual(elapsed);
  expect(total).toBeGreaterThanOrEqual(0.9 * (RATE * activeSeconds + BURST));
  for (const r of reports) {
    expect(r.calls).toBeGreaterThan(10 * r.recorded); // far more load than budget
    expect(r.recorded).toBeGreaterThan(0.1 * (total / REPLICAS)); // nobody is starved
    // A lease slower than half a period is reported (a loaded machine can stall that long)
    expect(r.errors.length).toBeLessThanOrEqual(1);
  }
}

describe('one budget for a fleet of Profilers through Redis', () => {
  it('4 processes with clocks hours apart share 200 spans/s for 10 s', async () => {
    // Replicas' clocks are skewed by -1.5 h, -0.5 h, +0.5 h and +1.5 h (Date.now and the
    // profiler's clock): refills use the Redis server's TIME only, so the bound holds.
    const fleet = await start(REPLICAS, { ...config(), skewMs: 3_600_000 });
    const { reports, elapsed } = await runFor(fleet, 10);
    expectWithinBudget(reports, elapsed);
  }, 60_000);

  it('4 worker threads share 200 spans/s for 10 s', async () => {
    const fleet = await start(REPLICAS, config(), true);
    const { reports, elapsed } = await runFor(fleet, 10);
    expectWithinBudget(reports, elapsed);
  }, 60_000);

  it('a replica that goes quiet returns its lease; one joining mid-run gets tokens within a lease period', async () => {
    const c = config();
    const fleet = await start(3, c);
    for (const replica of fleet) replica.send({ type: 'go' });
    await sleep(1500);
    const [quiet, ...busy] = fleet as [Replica, Replica, Replica];
    quiet.send({ type: 'quiet' });
    const [joiner] = await start(1, c);
    joiner!.send({ type: 'go' });
    await sleep(4 * PERIOD); // long enough for the idle check to see a whole quiet period
    const quietReport = await quiet.stop();
    expect(quietReport.recorded).toBeGreaterThan(0);
    expect(quietReport.stats.localTokens).toBe(0); // nothing held while quiet...
    expect(quietReport.stats.returnedTokens).toBeGreaterThan(0); // ...because it was given back
    expect(quietReport.returnedOnClose).toBe(0);
    const joinerReport = await joiner!.stop();
    expect(joinerReport.firstGrantMs).not.toBeNull();
    expect(joinerReport.firstGrantMs!).toBeLessThanOrEqual(PERIOD);
    expect(joinerReport.recorded).toBeGreaterThan(0);
    for (const report of await Promise.all(busy.map((r) => r.stop()))) {
      expect(report.recorded).toBeGreaterThan(0);
    }
  }, 60_000);

  it('Redis killed mid-run: every replica keeps serving on its share, reports once, and resumes leases within the bound', async () => {
    const own = await RedisServer.start();
    try {
      const fleet = await start(REPLICAS, { ...config(), url: own.url });
      const go = performance.now();
      for (const replica of fleet) replica.send({ type: 'go' });
      await sleep(2500);
      await own.kill();
      const killedAt = (performance.now() - go) / 1000;
      for (const replica of fleet) replica.send({ type: 'killed' });
      await sleep(2500);
      await own.restart();
      const restartedAt = (performance.now() - go) / 1000;
      await sleep(3000);
      const reports = await Promise.all(fleet.map((r) => r.stop()));
      const elapsed = (performance.now() - go) / 1000;

      let total = 0;
      if (process.env.FLEET_DEBUG)
        console.log(JSON.stringify({ killedAt, restartedAt, elapsed, reports }));
      for (const r of reports) {
        total += r.recorded;
        expect(r.errors).toHaveLength(1); // reported once per replica, however long the outage
        expect(r.stats.outages).toBe(1);
        expect(r.fellBackMs).not.toBeNull();
        // Falls back within one lease period of the outage (plus a loaded machine's margin).
        expect(r.fellBackMs!).toBeLessThanOrEqual(2 * PERIOD);
        expect(r.stats.fallbackTokens).toBeGreaterThan(0);
        // Kept serving while Redis was away: spans recorded between kill + 1 s and the restart.
        const at = (seconds: number) =>
          r.timeline.findLast(([ms]) => ms <= seconds * 1000)?.[1] ?? 0;
        expect(at(restartedAt) - at(killedAt + 1)).toBeGreaterThan(0);
        // Back on leases after the restart, with the fallback spending charged.
        expect(r.stats.mode).toBe('lease');
        expect(r.timeline.at(-1)?.[2]).toBe('lease');
        expect(r.stats.chargedTokens).toBeGreaterThan(0);
      }
      // No burst beyond the bound across the outage and the restart (the fallback shares add up
      // to the fleet's rate because expectedReplicas matches the fleet).
      expect(total).toBeLessThanOrEqual(bound(elapsed));
    } finally {
      await own.stop();
    }
  }, 60_000);
});
