import type * as Http from 'node:http';

export interface LoadResult {
  /** Requests that completed with status 200. */
  ok: number;
  /** Requests that failed (network error or non-200). */
  failed: number;
  /** Milliseconds from the first request start to the last response end (monotonic). */
  elapsedMs: number;
}

/**
 * Sends exactly `total` GET requests to `url`, paced evenly over `durationMs`, with at most
 * `maxInFlight` outstanding (late requests are sent as soon as a slot frees up). Bounded in
 * count and time: it gives up after `timeoutMs`.
 */
export async function runBoundedLoad(
  http: typeof Http,
  url: string,
  {
    total,
    durationMs,
    maxInFlight = 32,
    timeoutMs = 30_000,
  }: { total: number; durationMs: number; maxInFlight?: number; timeoutMs?: number },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  let started = 0;
  let finished = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  let lastEnd = t0;
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () =>
          reject(new Error(`load did not finish within ${timeoutMs} ms (${finished}/${total})`)),
        timeoutMs,
      );
      const done = () => {
        finished++;
        lastEnd = performance.now();
        if (finished === total) {
          clearTimeout(deadline);
          resolve();
        } else pump();
      };
      const send = () => {
        started++;
        const req = http.get(url, { agent }, (res) => {
          if (res.statusCode === 200) ok++;
          else failed++;
          res.resume();
          res.on('end', done);
        });
        req.on('error', () => {
          failed++;
          done();
        });
      };
      let timer: NodeJS.Timeout | undefined;
      const pump = () => {
        const due = Math.min(
          total,
          Math.floor(((performance.now() - t0) / durationMs) * total) + 1,
        );
        while (started < due && started - finished < maxInFlight) send();
        if (started < total && timer === undefined) {
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, 5);
        }
      };
      pump();
    });
  } finally {
    agent.destroy();
  }
  return { ok, failed, elapsedMs: lastEnd - t0 };
}
