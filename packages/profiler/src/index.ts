export type { Clock, RateBucket } from '@ferret/ratelimit';
export type { ExternalContext, ExternalSpanContext } from './ExternalContext.js';
export {
  InMemorySink,
  type InMemorySinkOptions,
  type InMemorySinkStats,
} from './InMemorySink.js';
export {
  JsonLinesSink,
  type JsonLinesSinkOptions,
  type JsonLinesSinkStats,
} from './JsonLinesSink.js';
export { OTHER_NAME } from './NameTable.js';
export { NOOP_SPAN, NoOpSpan } from './NoOpSpan.js';
export { Profiler } from './Profiler.js';
export { ProfilerError, type ProfilerErrorCode } from './ProfilerError.js';
export { MAX_STALL_THRESHOLD_MS, type ProfilerOptions } from './ProfilerOptions.js';
export type { AnySpan, ProfilerSpan } from './ProfilerSpan.js';
export type { NameStats, ProfilerStats } from './ProfilerStats.js';
export {
  type EnvironmentDefaultValues,
  readEnvironmentDefaults,
} from './readEnvironmentDefaults.js';
export { Span } from './Span.js';
export type {
  Attributes,
  AttributeValue,
  CountRecord,
  SpanEventRecord,
  SpanRecord,
  SpanStatus,
} from './SpanRecord.js';
export type { SinkStats, SpanSink } from './SpanSink.js';
export { STALL_SPAN_NAME, STALL_SPANS_BURST, STALL_SPANS_PER_SECOND } from './StallRecorder.js';
export type { StallWatchdogState } from './StallWatchdog.js';
export {
  type TeeBranchStats,
  TeeSink,
  type TeeSinkOptions,
  type TeeSinkStats,
} from './TeeSink.js';
