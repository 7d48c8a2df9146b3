/**
 * `@ferret/store-sqlite/otel`: {@link SqliteSpanExporter}, an OpenTelemetry `SpanExporter` that
 * writes into a Ferret database. A subpath of its own, so that the package root never imports
 * the optional `@opentelemetry/*` peers (their types included).
 * @packageDocumentation
 */
export { SqliteSpanExporter, type SqliteSpanExporterOptions } from './SqliteSpanExporter.js';
