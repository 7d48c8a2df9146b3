export type {
  AttributeValue,
  Attributes,
  CountRecord,
  SpanEventRecord,
  SpanRecord,
  SpanStatus,
} from './SpanRecord.js';
export type { SpanSink } from './SpanSink.js';
