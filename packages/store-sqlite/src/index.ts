export type {
  AnalysisRow,
  AnalyzeOptions,
  AttributeGroup,
  RunAnalysis,
  StackNode,
  StackTree,
  StackTreeOptions,
} from './analysisTypes.js';
export { FerretStoreError, type FerretStoreErrorCode } from './FerretStoreError.js';
export { type OpenSpanReaderOptions, openSpanReader } from './openSpanReader.js';
export {
  type ProcessEndRecord,
  type ProcessStartRecord,
  type RunEndRecord,
  RunLog,
  type RunLogOptions,
  type RunStartRecord,
} from './RunLog.js';
export { DEFAULT_PROFILE_LIMITS } from './RunProfileBuilder.js';
export type { NameSummary, RunInfo, SpanNode, SpanReader, TraceTree } from './readerTypes.js';
export {
  type ComparedRun,
  compareRuns,
  MIN_TEST_SAMPLE,
  mannWhitney,
  type NameComparison,
  type RankTest,
  type RunComparison,
  type RunSide,
  SIGNIFICANCE_LEVEL as MANN_WHITNEY_SIGNIFICANCE,
} from './runComparison.js';
export type { RunMetadata } from './runMetadata.js';
export type {
  LatencyHistogram,
  RecentActivity,
  RecentName,
  RunProfile,
  RunProfileLimits,
  RunProfileOmissions,
  RunTimeline,
  StackFrame,
  TimelineBucket,
  WaterfallSpan,
  WaterfallTrace,
} from './runProfileTypes.js';
export { type SpanStoreStats, SqliteSpanStore } from './SqliteSpanStore.js';
export type { SqliteSpanStoreOptions } from './SqliteSpanStoreOptions.js';
export { FERRET_APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
export { MAX_STALL_ROWS, type StallSummary } from './stallSummary.js';
