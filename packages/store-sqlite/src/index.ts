export { FerretStoreError, type FerretStoreErrorCode } from './FerretStoreError.js';
export { PERCENTILE_SIGNIFICANT_DIGITS } from './NameAccumulator.js';
export { openSpanReader } from './openSpanReader.js';
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
export {
  type SpanStoreStats,
  SqliteSpanStore,
  type SqliteSpanStoreOptions,
} from './SqliteSpanStore.js';
export { FERRET_APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
