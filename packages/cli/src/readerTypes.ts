/** The reader types the CLI prints, from the store's public API. */
export type {
  NameSummary,
  RecentActivity,
  RunInfo,
  RunMetadata,
  RunProfile,
  SpanNode,
  SpanReader,
  StackFrame,
  TraceTree,
} from '@ferret/store-sqlite';
