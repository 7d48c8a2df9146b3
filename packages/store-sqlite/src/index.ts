export { FerretStoreError, type FerretStoreErrorCode } from './FerretStoreError.js';
export { PERCENTILE_SIGNIFICANT_DIGITS } from './NameAccumulator.js';
export {
  type NameSummary,
  openSpanReader,
  type RunInfo,
  type SpanNode,
  type SpanReader,
  type TraceTree,
} from './SpanReader.js';
export { SqliteSpanExporter, type SqliteSpanExporterOptions } from './SqliteSpanExporter.js';
export {
  type SpanStoreStats,
  SqliteSpanStore,
  type SqliteSpanStoreOptions,
} from './SqliteSpanStore.js';
export { FERRET_APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
