import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

const REPLICAS = 4;
const RATE = 200;
const BURST = 200;
const LEASE = 20;
/**
 * The share of `rate × (time all replicas were running)` the fleet must at least record: the
 * budget is used, not starved. Below 1 because a loaded machine can stall a replica's lease
 * call past its deadline (it then runs on its fallback share of rate ÷ replicas for a while).
 */
const FLOOR = 0.75;

describe('examples/fleet-budget', () => {
  it('keeps four processes within one Redis-kept budget, and uses it', async () => {
    const env = { ...process.env };
    delete env.FERRET_REDIS_URL; // the example starts and stops its own redis-server
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--replicas',
        String(REPLICAS),
        '--seconds',
        '3',
        '--rate',
        String(RATE),
        '--burst',
        String(BURST),
        '--lease-size',
        String(LEASE),
      ],
      { cwd: exampleDir, env, timeout: 90_000 },
    );

    const rows = [...stdout.matchAll(/^ +([1-4]) +(\d+) +(\d+) +(\d+) +[\d.]+ +(\d+)/gm)].map(
      (m) => ({ calls: Number(m[3]), recorded: Number(m[4]), leases: Number(m[5]) }),
    );
    expect(rows).toHaveLength(REPLICAS);
    const window =
      /recorded (\d+) spans in ([\d.]+) s \(all 4 replicas running for ([\d.]+) s\)/.exec(stdout);
    expect(window).not.toBeNull();
    const total = Number(window![1]);
    const anyRunning = Number(window![2]);
    const allRunning = Number(window![3]);
    expect(total).toBe(rows.reduce((n, r) => n + r.recorded, 0));
    expect(allRunning).toBeGreaterThan(1);

    // Far more load than budget, in every replica, and each of them took its tokens by lease.
    for (const row of rows) {
      expect(row.calls).toBeGreaterThan(10 * row.recorded);
      expect(row.leases).toBeGreaterThan(0);
      expect(row.recorded).toBeGreaterThan(0);
    }
    // The documented bound, over the window in which any replica could take a token...
    expect(total).toBeLessThanOrEqual(RATE * anyRunning + BURST + REPLICAS * LEASE);
    expect(stdout).toMatch(/: within$/m);
    // ...and the budget is used over the window in which all of them were running.
    expect(total).toBeGreaterThanOrEqual(FLOOR * RATE * allRunning);
  }, 120_000);
});
