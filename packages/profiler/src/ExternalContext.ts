import type { Span } from './Span.js';

/** The current span of another tracer (OpenTelemetry), as {@link ExternalContext} reports it. */
export interface ExternalSpanContext {
  /** W3C trace id, 32 lowercase hex characters. */
  traceId: string;
  /** W3C span id, 16 lowercase hex characters. */
  spanId: string;
  /** Whether the other tracer records this trace. */
  sampled: boolean;
  /**
   * The sampling weight of the other tracer's trace: how many traces it stands for (≥ 1; from
   * the root's sampling probability, e.g. read from the span context's tracestate). A span that
   * joins the trace, and its children, are recorded with it. Default 1; a value that is not a
   * finite number ≥ 1 counts as 1.
   */
  weight?: number;
  /**
   * The name the trace's root was admitted under through `admitExternalRoot`, when the bridge
   * knows it: a span joining the trace is charged to that name's fair share too, as a
   * `measure()` child is to its root's.
   */
  rootName?: string;
}

/**
 * A bridge to another tracer's context (OpenTelemetry), so that `measure()` blocks and that
 * tracer's spans share one trace. The profiler consults it only where it would otherwise start a
 * trace (no Ferret span is current):
 * - an active, sampled external span becomes the parent of the new span, which joins its trace
 *   (charged to the budget as a child, like any child) and carries the trace's `weight`; a
 *   non-sampled one makes the call a no-op;
 * - a recorded span runs its function with `runWithSpan`, so the other tracer sees it as its
 *   current span and parents its own spans (an outgoing HTTP call) under it.
 *
 * Both methods are called on the caller's path: keep them cheap, and they must not throw.
 */
export interface ExternalContext {
  /** The other tracer's current span, or undefined when none is active. */
  activeSpan(): ExternalSpanContext | undefined;
  /** Runs `fn` with `span` as the other tracer's current span, and returns what it returns. */
  runWithSpan<R>(span: Span, fn: () => R): R;
}
