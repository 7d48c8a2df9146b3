import type { SpanRecord } from '@ferret/profiler';
import type {
  AnalysisRow,
  NameSummary,
  RecentActivity,
  RunAnalysis,
  RunInfo,
  RunProfile,
  SpanReader,
  StackTree,
  StallSummary,
  TraceTree,
} from '../../src/readerTypes.js';

/** Shaped like @ferret/store-sqlite's FerretStoreError (the CLI only relies on message and code). */
export class FakeStoreError extends Error {
  override readonly name = 'FerretStoreError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An in-memory SpanReader holding one run's data, recording how it was called. */
export class FakeReader implements SpanReader {
  closed = false;
  readonly calls: Array<{ method: string; options: unknown }> = [];

  constructor(
    readonly path: string,
    private readonly data: {
      runs: RunInfo[];
      summary?: NameSummary[];
      traces?: TraceTree[];
      spans?: SpanRecord[];
      stalls?: StallSummary[];
    },
  ) {}

  /** Resolves the run with the real reader's messages (openSpanReader's UNKNOWN_RUN and NO_RUNS). */
  #run(runId: string | undefined): string {
    const latest = this.latestRunId();
    if (latest === undefined) throw new FakeStoreError('NO_RUNS', `${this.path} holds no runs yet`);
    const id = runId ?? latest;
    if (!this.data.runs.some((r) => r.runId === id)) {
      const known = this.data.runs.map((r) => r.runId).reverse();
      throw new FakeStoreError(
        'UNKNOWN_RUN',
        `${this.path} has no run "${id}" (latest runs: ${known.join(', ')})`,
      );
    }
    return id;
  }

  runs(): RunInfo[] {
    this.calls.push({ method: 'runs', options: undefined });
    return this.data.runs;
  }
  latestRunId(): string | undefined {
    return this.data.runs.at(-1)?.runId;
  }
  summary(options?: { runId?: string }): NameSummary[] {
    this.calls.push({ method: 'summary', options });
    this.#run(options?.runId);
    return this.data.summary ?? [];
  }
  stalls(options?: { runId?: string }): StallSummary[] {
    this.calls.push({ method: 'stalls', options });
    this.#run(options?.runId);
    return this.data.stalls ?? [];
  }
  resolveRunId(spec: string): string {
    this.calls.push({ method: 'resolveRunId', options: spec });
    const ids = this.data.runs.map((r) => r.runId);
    if (ids.includes(spec)) return spec;
    if (spec === 'latest' || spec === 'previous') {
      const id = ids.at(spec === 'latest' ? -1 : -2);
      if (id !== undefined) return id;
    }
    const matches = ids.filter((id) => id.startsWith(spec));
    if (matches.length === 1) return matches[0]!;
    return this.#run(spec);
  }
  /** Rows of `summary`, with self time equal to total time unless given. */
  analyze(options?: { runId?: string }): RunAnalysis {
    this.calls.push({ method: 'analyze', options });
    const runId = this.#run(options?.runId);
    const rows = (this.data.summary ?? []).map(
      (row): AnalysisRow => ({ selfTotalMs: row.totalMs, selfP50Ms: row.p50Ms, ...row }),
    );
    const run = this.data.runs.find((r) => r.runId === runId);
    return {
      runId,
      rows,
      recordedTraces: run?.recordedTraces ?? 0,
      missingTraces: run?.missingTraces ?? 0,
    };
  }
  stackTree(options?: { runId?: string }): StackTree {
    this.calls.push({ method: 'stackTree', options });
    const runId = this.#run(options?.runId);
    return { runId, roots: [], stacks: 0, foldedSpans: 0, totalMs: 0 };
  }
  slowestTraces(options?: { runId?: string; limit?: number }): TraceTree[] {
    this.calls.push({ method: 'slowestTraces', options });
    this.#run(options?.runId);
    return (this.data.traces ?? []).slice(0, options?.limit ?? 5);
  }
  spans(options?: { runId?: string; traceId?: string }): IterableIterator<SpanRecord> {
    this.calls.push({ method: 'spans', options });
    // Like the real reader: the run is checked at the call, rows are read lazily.
    const id = this.#run(options?.runId);
    return (this.data.spans ?? []).filter((s) => s.runId === id)[Symbol.iterator]();
  }
  // `report` and `watch` are tested end to end on real databases only.
  profile(): RunProfile {
    throw new Error('FakeReader does not implement profile(): test report on a real database');
  }
  recent(): RecentActivity {
    throw new Error('FakeReader does not implement recent(): test watch on a real database');
  }
  close(): void {
    this.closed = true;
  }
}
