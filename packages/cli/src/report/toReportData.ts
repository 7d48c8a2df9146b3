import { formatCount } from '../formatNumbers.js';
import { lostTracesLine } from '../lostTraces.js';
import type { RunProfile, StackFrame } from '../readerTypes.js';
import { terminalText } from '../terminalText.js';
import type { ReportData, ReportFrame, ReportSummaryRow } from './ReportData.js';

/** Longest string from the database the page shows (control characters escaped, then cut with `…`). */
export const MAX_DISPLAY_CHARS = 300;

/** Bounds on what the page embeds, so its size does not grow with the run. */
export const REPORT_LIMITS = Object.freeze({
  /** Rows of the summary table (by total recorded time). */
  summaryRows: 1_000,
  /** Names with a latency histogram in the page (the first rows of the summary). */
  latencyNames: 50,
});

/** Turns a reader profile into the page's data: names cut and escaped, frames compact. */
export function toReportData(
  profile: RunProfile,
  context: { file: string; generatedAt: Date },
): ReportData {
  const { run } = profile;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const indexOf = (name: string): number => {
    let index = nameIndex.get(name);
    if (index === undefined) {
      index = names.length;
      names.push(terminalText(name, MAX_DISPLAY_CHARS));
      nameIndex.set(name, index);
    }
    return index;
  };
  const summary: ReportSummaryRow[] = profile.summary
    .slice(0, REPORT_LIMITS.summaryRows)
    .map((row) => ({
      name: terminalText(row.name, MAX_DISPLAY_CHARS),
      calls: row.calls,
      callsExact: row.callsExact,
      recorded: row.recorded,
      dropped: row.dropped,
      totalMs: row.totalMs,
      estimatedTotalMs: row.estimatedTotalMs,
      avgMs: row.avgMs,
      p50Ms: row.p50Ms,
      p95Ms: row.p95Ms,
      p99Ms: row.p99Ms,
      maxMs: row.maxMs,
      errors: row.errors,
      errorRate: row.errorRate,
    }));
  const latencyByName = new Map(profile.latency.map((h) => [h.name, h]));
  const latency: ReportData['latency'] = [];
  for (const row of profile.summary) {
    if (latency.length >= REPORT_LIMITS.latencyNames) break;
    const histogram = latencyByName.get(row.name);
    if (histogram === undefined) continue;
    latency.push({
      name: terminalText(row.name, MAX_DISPLAY_CHARS),
      lowerMs: histogram.lowerMs,
      upperMs: histogram.upperMs,
      counts: histogram.counts,
    });
  }
  const { timeline } = profile;
  const notes: string[] = [];
  const lost = lostTracesLine(run);
  if (lost !== undefined) notes.push(`${lost}.`);
  const { omitted } = profile;
  if (omitted.spansInOtherFrames > 0) {
    notes.push(
      `${formatCount(omitted.spansInOtherFrames)} spans are merged into "(other)" frames: the flame graph keeps at most ${formatCount(profile.limits.stackFrames)} frames.`,
    );
  }
  if (omitted.detachedSpans > 0) {
    notes.push(
      `${formatCount(omitted.detachedSpans)} spans start their own stack at the top of the flame graph: their parent was not stored or ended before them.`,
    );
  }
  let namesRecorded = 0;
  for (const row of profile.summary) if (row.recorded > 0) namesRecorded++;
  const withoutHistogram = namesRecorded - latency.length;
  if (withoutHistogram > 0) {
    notes.push(
      `${formatCount(withoutHistogram)} names have no latency histogram (the page shows one for the ${formatCount(REPORT_LIMITS.latencyNames)} names with the most recorded time).`,
    );
  }
  return {
    version: 1,
    title: `Ferret report: ${terminalText(run.serviceName ?? run.runId, 80)}`,
    generatedAt: context.generatedAt.toISOString(),
    file: terminalText(context.file),
    run: {
      runId: terminalText(run.runId, MAX_DISPLAY_CHARS),
      serviceName:
        run.serviceName === undefined ? null : terminalText(run.serviceName, MAX_DISPLAY_CHARS),
      firstStartTime: run.firstStartTime,
      lastEndTime: run.lastEndTime,
      spanCount: run.spanCount,
      rootCalls: run.rootCalls,
      callsExact: run.callsExact,
    },
    empty: run.spanCount === 0,
    summary,
    summaryOmitted: Math.max(profile.summary.length - summary.length, 0),
    names,
    stacks: toReportFrame(profile.stacks, indexOf),
    timeline: {
      bucketMs: timeline.bucketMs,
      hasCounts: timeline.hasCounts,
      time: timeline.buckets.map((b) => b.startTime / 1000),
      calls: timeline.buckets.map((b) => round(b.calls)),
      recorded: timeline.buckets.map((b) => round(b.recorded)),
      dropped: timeline.buckets.map((b) => round(b.dropped)),
      stored: timeline.buckets.map((b) => b.stored),
    },
    latency,
    slowestTraces: profile.slowestTraces.map((trace) => ({
      traceId: terminalText(trace.traceId, 64),
      startTime: trace.startTime,
      durationMs: trace.durationMs,
      spanCount: trace.spanCount,
      spans: trace.spans.map((span) => ({
        name: terminalText(span.name, MAX_DISPLAY_CHARS),
        offsetMs: span.offsetMs,
        durationMs: span.durationMs,
        depth: span.depth,
        error: span.status === 'error',
      })),
    })),
    notes,
  };
}

/** Two decimals: the page shows counts, not their floating-point noise. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function toReportFrame(root: StackFrame, indexOf: (name: string) => number): ReportFrame {
  const convert = (frame: StackFrame): ReportFrame => [
    indexOf(frame.name),
    round(frame.calls),
    frame.recorded,
    round(frame.totalMs),
    round(frame.selfMs),
    frame.errors,
    [],
  ];
  const out = convert(root);
  // Iterative: a deep tree must not overflow the stack.
  const stack: [StackFrame, ReportFrame][] = [[root, out]];
  while (stack.length > 0) {
    const [frame, converted] = stack.pop()!;
    for (const child of frame.children) {
      const convertedChild = convert(child);
      converted[6].push(convertedChild);
      stack.push([child, convertedChild]);
    }
  }
  return out;
}
