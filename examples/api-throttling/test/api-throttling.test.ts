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

    // Outbound: ten calls, each let through no sooner than the 5/s limit allows. The times are
    // on the limiter's own clock, from a reading taken before any call was made, so call n (from
    // 1) cannot go before (n - 1) × 200 ms however loaded the machine is (1 ms for the printed
    // rounding). Lower bounds only: a slow machine lets calls through later, never earlier.
    // Without the limiter all ten go within a few ms and this fails from the second call on.
    const sent = [...stdout.matchAll(/call +(\d+) sent at \+ *(\d+) ms/g)].map((m) => ({
      call: Number(m[1]),
      at: Number(m[2]),
    }));
    expect(sent.map((s) => s.call)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const [i, { at }] of sent.entries()) {
      expect(at, `call ${i + 1} sent at +${at} ms`).toBeGreaterThanOrEqual(i * 200 - 1);
    }
    expect(stdout).toMatch(/9 calls had to wait/);
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
