/** The reader types the CLI prints, from the store's public API. */
export type {
  NameSummary,
  RunInfo,
  RunMetadata,
  SpanNode,
  SpanReader,
  TraceTree,
} from '@ferret/store-sqlite';
