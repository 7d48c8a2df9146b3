/** The reader types the CLI prints, from the store's public API. */
export type {
  AnalysisRow,
  NameSummary,
  RecentActivity,
  RunAnalysis,
  RunInfo,
  RunMetadata,
  RunProfile,
  SpanNode,
  SpanReader,
  StackFrame,
  StackNode,
  StackTree,
  TraceTree,
} from '@ferret/store-sqlite';
