export { FerretStoreError, type FerretStoreErrorCode } from './FerretStoreError.js';
export { FERRET_APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
export {
  SqliteSpanStore,
  type SpanStoreStats,
  type SqliteSpanStoreOptions,
} from './SqliteSpanStore.js';
