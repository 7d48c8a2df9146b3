import type { SpanSink } from '@ferret/profiler';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  OtelBridgeError,
  OtelBridgeErrorCode,
  OtelExporterSink,
  OtelExporterSinkOptions,
  OtelExporterSinkStats,
  ReadableSpanFactory,
} from '../src/index.js';

describe('@ferret/otel-bridge types', () => {
  it('OtelExporterSink is a profiler SpanSink around any SpanExporter', () => {
    expectTypeOf<OtelExporterSink>().toExtend<SpanSink>();
    expectTypeOf<{ exporter: SpanExporter }>().toExtend<OtelExporterSinkOptions>();
    expectTypeOf<OtelExporterSink['stats']>().returns.toEqualTypeOf<OtelExporterSinkStats>();
  });

  it('errors carry a code from a closed set', () => {
    expectTypeOf<OtelBridgeError>().toExtend<Error>();
    expectTypeOf<OtelBridgeError['code']>().toEqualTypeOf<OtelBridgeErrorCode>();
    expectTypeOf<'NOT_A_CODE'>().not.toExtend<OtelBridgeErrorCode>();
  });

  it('the span factory produces OpenTelemetry ReadableSpans', () => {
    expectTypeOf<ReturnType<ReadableSpanFactory['create']>>().toExtend<ReadableSpan>();
  });
});
