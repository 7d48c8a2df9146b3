/** What the main process tells each replica at start (over the `fork()` IPC channel). */
export interface ReplicaConfig {
  /** Redis URL every replica connects to. */
  redisUrl: string;
  /** The shared bucket's key: the same in every replica. */
  key: string;
  /** The fleet's budget, spans per second, all replicas together. */
  ratePerSecond: number;
  /** The shared bucket's burst. */
  burst: number;
  /** Most tokens one replica holds at a time. */
  leaseSize: number;
  /** Replicas sharing the budget (sets each one's fallback share while Redis is away). */
  replicas: number;
}

/** Messages to a replica: its config, then `go` (start the load loop), then `stop`. */
export type ToReplica =
  | { type: 'config'; config: ReplicaConfig }
  | { type: 'go' }
  | { type: 'stop' };

/**
 * Messages from a replica: `ready` once connected and built, `started` when its load loop
 * begins, then one `report` after it stopped and closed its profiler and bucket.
 */
export type FromReplica =
  | { type: 'ready' }
  | { type: 'started' }
  | ({ type: 'report' } & ReplicaReport)
  | { type: 'failed'; message: string };

/** What a replica reports when stopped. */
export interface ReplicaReport {
  pid: number;
  /** Root `measure()` calls made, recorded or not. */
  calls: number;
  /** Spans its profiler recorded. */
  recordedSpans: number;
  /** How long its load loop ran, by its own monotonic clock, ms. */
  loadMs: number;
  /** Lease calls Redis answered, and the tokens they granted. */
  leases: number;
  leasedTokens: number;
  /** Unused tokens given back to the shared bucket (idle, or on close). */
  returnedTokens: number;
  /** Tokens granted by the local fallback share while Redis was unreachable. */
  fallbackTokens: number;
  /** Outages reported through `onError`. */
  outages: number;
}
