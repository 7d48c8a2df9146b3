/** The reader types the CLI prints, from the store's public API. */
export type {
  NameSummary,
  RunInfo,
  SpanNode,
  SpanReader,
  TraceTree,
} from '@ferret/store-sqlite';
