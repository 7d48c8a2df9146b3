import { addHrTimes, millisToHrTime } from '@opentelemetry/core';
import type { Span } from '@opentelemetry/sdk-trace-base';

/** The fields of sdk-trace's `SpanImpl` this reads; they are not part of its typed API. */
interface SpanClockFields {
  startTime: [number, number];
  _performanceStartTime?: unknown;
  _startTimeProvided?: unknown;
}

/**
 * Puts a span that the SDK started on the clock `measure()` spans use,
 * `performance.timeOrigin + performance.now()`.
 *
 * sdk-trace starts a span at `Date.now()` (a whole millisecond) and ends it at that start plus a
 * duration read from `performance.now()`. Beside `measure()` blocks, which start on the performance
 * clock, a library span could then start up to 1 ms early (and end up to 1 ms early), so a block
 * inside it seemed to start before it or end after it. This sets the start to the
 * `performance.now()` reading the SDK took when the span began; the end follows, as the SDK adds
 * the duration to the start. A span given an explicit `startTime`, or a span object without the
 * SDK's fields (another SDK version), is left as it is.
 */
export function startOnPerformanceClock(span: Span): void {
  const fields = span as unknown as SpanClockFields;
  if (fields._startTimeProvided !== false) return;
  const started = fields._performanceStartTime;
  if (typeof started !== 'number' || !Number.isFinite(started)) return;
  fields.startTime = addHrTimes(
    millisToHrTime(performance.timeOrigin),
    millisToHrTime(started),
  ) as [number, number];
}
