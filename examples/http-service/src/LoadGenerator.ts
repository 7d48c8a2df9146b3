import { Agent, request } from 'node:http';

/** One stretch of traffic at a fixed rate. */
export interface LoadPhase {
  /** Shown in the output (e.g. `steady`, `burst`). */
  name: string;
  requestsPerSecond: number;
  durationMs: number;
}

/** What a phase (or the whole run) produced. */
export interface LoadTotals {
  sent: number;
  /** Responses by status class: `2xx`, `4xx`, `5xx`. */
  ok: number;
  clientErrors: number;
  serverErrors: number;
  /** Socket errors and timeouts. */
  failed: number;
  /** Requests not sent because `maxInFlight` requests were already waiting. */
  skipped: number;
}

/** A request the generator should send: method and path on the target. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
}

export interface LoadGeneratorOptions {
  /** Target port on 127.0.0.1. */
  port: number;
  /** Chooses the i-th request of the run. */
  pickRequest: (i: number) => RequestSpec;
  /** Most requests waiting for a response at once; beyond it requests are skipped, not queued. Default 256. */
  maxInFlight?: number;
  /** Per-request timeout in ms. Default 5000. */
  timeoutMs?: number;
}

const TICK_MS = 10;

/**
 * An open-loop load generator: requests go out on a fixed schedule whether or not earlier ones
 * have been answered (as real users do), so a slow server sees a growing queue instead of a
 * politely slowing client. Bounded in count (rate × duration), in time (a phase ends on
 * schedule; stragglers get `timeoutMs`) and in concurrency (`maxInFlight`).
 */
export class LoadGenerator {
  readonly #port: number;
  readonly #pickRequest: (i: number) => RequestSpec;
  readonly #maxInFlight: number;
  readonly #timeoutMs: number;
  readonly #agent: Agent;
  readonly #inFlight = new Set<Promise<void>>();
  #next = 0;
  readonly totals: LoadTotals = emptyTotals();

  constructor(options: LoadGeneratorOptions) {
    this.#port = options.port;
    this.#pickRequest = options.pickRequest;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** Responses received so far over the whole run (any status). */
  get completed(): number {
    const t = this.totals;
    return t.ok + t.clientErrors + t.serverErrors + t.failed;
  }

  /** Sends `requestsPerSecond × durationMs / 1000` requests evenly spread over the phase. */
  async run(phase: LoadPhase): Promise<LoadTotals> {
    const phaseTotals = emptyTotals();
    const total = Math.round((phase.requestsPerSecond * phase.durationMs) / 1000);
    const start = performance.now();
    let issued = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const elapsed = performance.now() - start;
        const due = Math.min(total, Math.floor((phase.requestsPerSecond * elapsed) / 1000));
        while (issued < due) {
          issued++;
          this.#send(phaseTotals);
        }
        if (issued >= total || elapsed >= phase.durationMs) resolve();
        else setTimeout(tick, TICK_MS);
      };
      tick();
    });
    return phaseTotals;
  }

  /** Waits for every request still in flight (each is bounded by `timeoutMs`). */
  async drain(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(phaseTotals: LoadTotals): void {
    const count = (key: keyof LoadTotals): void => {
      phaseTotals[key]++;
      this.totals[key]++;
    };
    if (this.#inFlight.size >= this.#maxInFlight) {
      count('skipped');
      return;
    }
    count('sent');
    const spec = this.#pickRequest(this.#next++);
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const finish = (key: keyof LoadTotals): void => {
        if (settled) return;
        settled = true;
        count(key);
        resolve();
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: this.#port,
          method: spec.method,
          path: spec.path,
          agent: this.#agent,
          timeout: this.#timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            finish(status < 400 ? 'ok' : status < 500 ? 'clientErrors' : 'serverErrors');
          });
          res.on('error', () => finish('failed'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => finish('failed'));
      req.end();
    });
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
  }
}

function emptyTotals(): LoadTotals {
  return { sent: 0, ok: 0, clientErrors: 0, serverErrors: 0, failed: 0, skipped: 0 };
}
