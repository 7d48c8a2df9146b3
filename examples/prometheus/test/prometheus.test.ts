import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** The value of one Prometheus sample line whose labels include all of `labels`. */
function sample(body: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== metric) continue;
    const found = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('examples/prometheus', () => {
  it('serves the limiter and sampler counters on an ephemeral port and prints one scrape', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: exampleDir,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/endpoint +http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stdout).toMatch(/\(HTTP 200; ferret lines only\)/);

    // What the example's own code observed...
    const alice = /alice: 20 requests at once, (\d+) allowed, (\d+) limited/.exec(stdout);
    const sampler = /50 root spans at once, (\d+) sampled, (\d+) dropped/.exec(stdout);
    expect(alice).not.toBeNull();
    expect(sampler).not.toBeNull();
    const aliceLimited = Number(alice![2]);
    const sampled = Number(sampler![1]);
    // ...is what the scrape reports: a burst of 5 (10 for the sampler) and the rest refused.
    expect(aliceLimited).toBeGreaterThanOrEqual(14);
    expect(sampled).toBeGreaterThanOrEqual(10);
    expect(sampled).toBeLessThanOrEqual(11);

    expect(stdout).toMatch(/^# TYPE ferret_ratelimit_requests_total counter$/m);
    expect(sample(stdout, 'ferret_ratelimit_requests_total', { key: 'alice' })).toBe(20);
    expect(sample(stdout, 'ferret_ratelimit_limited_total', { key: 'alice' })).toBe(aliceLimited);
    expect(sample(stdout, 'ferret_ratelimit_requests_total', { key: 'bob' })).toBe(3);
    expect(sample(stdout, 'ferret_ratelimit_limited_total', { key: 'bob' })).toBe(0);
    expect(sample(stdout, 'ferret_sampler_decisions_total', { decision: 'sampled' })).toBe(sampled);
    expect(sample(stdout, 'ferret_sampler_decisions_total', { decision: 'dropped' })).toBe(
      50 - sampled,
    );
  }, 90_000);
});
