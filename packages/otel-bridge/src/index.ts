export { AttributeConverter, MAX_ATTRIBUTES } from './AttributeConverter.js';
export { CallsCounter } from './CallsCounter.js';
export { OtelBridgeError, type OtelBridgeErrorCode } from './OtelBridgeError.js';
export {
  OtelExporterSink,
  type OtelExporterSinkOptions,
  type OtelExporterSinkStats,
} from './OtelExporterSink.js';
export { MalformedRecordError, ReadableSpanFactory, toHrTime } from './ReadableSpanFactory.js';
export {
  ATTR_FERRET_SAMPLING_PROBABILITY,
  ATTR_FERRET_TRUNCATED_CHILDREN,
  ATTR_FERRET_WEIGHT,
  ATTR_SPAN_NAME,
  ATTR_THREAD_ID,
  METRIC_FERRET_CALLS,
  SCOPE_NAME,
} from './semconv.js';
