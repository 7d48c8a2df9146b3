import type { ExternalContext, ExternalSpanContext, Span } from '@ferret/profiler';
import { context, isSpanContextValid, TraceFlags, trace } from '@opentelemetry/api';

/**
 * The profiler's {@link ExternalContext} over OpenTelemetry's global context: a `measure()` block
 * run inside an OpenTelemetry span (an Express route) nests under it, and OpenTelemetry spans
 * started inside a recorded `measure()` block (an outgoing `fetch`) nest under that block.
 */
export class OtelContextBridge implements ExternalContext {
  activeSpan(): ExternalSpanContext | undefined {
    try {
      const spanContext = trace.getSpanContext(context.active());
      if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
      return {
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        sampled: (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0,
      };
    } catch {
      return undefined;
    }
  }

  runWithSpan<R>(span: Span, fn: () => R): R {
    const active = context.active();
    const inner = trace.setSpanContext(active, {
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
    });
    return context.with(inner, fn);
  }

  toString(): string {
    return 'OtelContextBridge';
  }
}
