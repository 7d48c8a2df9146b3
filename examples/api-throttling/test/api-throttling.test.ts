import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('examples/api-throttling', () => {
  it('spaces outbound calls at 5/s and answers 429 with Retry-After to the greedy client only', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: exampleDir,
      timeout: 60_000,
    });

    // Outbound: ten calls, each let through no sooner than the 5/s limit allows. Lower bounds
    // only: a slow machine may space them further apart, never closer.
    const arrivals = [...stdout.matchAll(/call +(\d+) sent at \+ *(\d+) ms/g)].map((m) =>
      Number(m[2]),
    );
    expect(arrivals).toHaveLength(10);
    expect(arrivals[0]).toBe(0);
    // burstSize 1: nine waits of 200 ms (slack for rounding the printed times and for timers
    // that fire a fraction of a millisecond early).
    for (let i = 1; i < arrivals.length; i++) {
      expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(195);
    }
    expect(arrivals[9]).toBeGreaterThanOrEqual(9 * 200 - 5);
    expect(stdout).toMatch(/the API received 10\b/);

    // Inbound: greedy gets its burst of 3, then 429s with a Retry-After; polite is never limited.
    const responses = [...stdout.matchAll(/(greedy|polite) +-> (\d{3}) .*retry-after (\S+)/g)].map(
      (m) => ({ client: m[1], status: Number(m[2]), retryAfter: m[3] }),
    );
    const greedy = responses.filter((r) => r.client === 'greedy');
    const polite = responses.filter((r) => r.client === 'polite');
    expect(greedy.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429, 200]);
    for (const r of greedy.filter((g) => g.status === 429)) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(polite.map((r) => r.status)).toEqual([200, 200]);
    expect(stdout).toMatch(/usage\("greedy"\): 7 requests, 3 limited/);
    expect(stdout).toMatch(/usage\("polite"\): 2 requests, 0 limited/);
  }, 90_000);
});
