import {
  Profiler,
  type ProfilerError,
  type ProfilerOptions,
  type SpanSink,
} from '@ferret/profiler';

/** A profiler recording everything into `sink`, collecting its errors instead of warning. */
export function profilerWith(
  sink: SpanSink,
  options: ProfilerOptions = {},
): { profiler: Profiler; errors: ProfilerError[] } {
  const errors: ProfilerError[] = [];
  const profiler = new Profiler({
    maxSpansPerSecond: Number.POSITIVE_INFINITY,
    flushIntervalMs: 50,
    flushOnExit: false,
    onError: (error) => errors.push(error),
    sink,
    ...options,
  });
  return { profiler, errors };
}
