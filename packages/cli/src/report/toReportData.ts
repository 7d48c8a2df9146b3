import { formatCount } from '../formatNumbers.js';
import { lostTracesLine } from '../lostTraces.js';
import type { RunProfile, StackFrame } from '../readerTypes.js';
import { terminalText } from '../terminalText.js';
import { MAX_DISPLAY_CHARS, NAME_BYTES, PageNames, SHORT_NAME_CHARS } from './pageNames.js';
import type { ReportData, ReportFrame, ReportSummaryRow } from './ReportData.js';

/**
 * Bounds on what the page embeds, so its size does not grow with the run: with the name budget
 * ({@link NAME_BYTES}), the page stays under 2 MB whatever the names.
 */
export const REPORT_LIMITS = Object.freeze({
  /** Rows of the summary table (by total recorded time). */
  summaryRows: 500,
  /** Names with a latency histogram in the page (the first rows of the summary). */
  latencyNames: 50,
  /** Frames of the flame graph, the heaviest first level by level (the reader keeps 5,000). */
  frames: 3_000,
  /** Spans drawn per slowest trace, in depth-first order (the reader keeps 300). */
  waterfallSpans: 150,
});

/** Turns a reader profile into the page's data: names cut and escaped, frames compact. */
export function toReportData(
  profile: RunProfile,
  context: { file: string; generatedAt: Date },
): ReportData {
  const { run } = profile;
  const pageNames = new PageNames();
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const indexOf = (name: string): number => {
    let index = nameIndex.get(name);
    if (index === undefined) {
      index = names.length;
      names.push(pageNames.text(name));
      nameIndex.set(name, index);
    }
    return index;
  };
  const summary: ReportSummaryRow[] = profile.summary
    .slice(0, REPORT_LIMITS.summaryRows)
    .map((row) => ({
      name: pageNames.text(row.name),
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
      name: pageNames.text(row.name),
      lowerMs: histogram.lowerMs,
      upperMs: histogram.upperMs,
      counts: histogram.counts,
    });
  }
  const stacks = toReportFrame(profile.stacks, indexOf, REPORT_LIMITS.frames);
  let spansNotDrawn = 0;
  const slowestTraces = profile.slowestTraces.map((trace) => {
    const drawn = trace.spans.slice(0, REPORT_LIMITS.waterfallSpans);
    spansNotDrawn += trace.spans.length - drawn.length;
    return {
      traceId: terminalText(trace.traceId, 64),
      startTime: trace.startTime,
      durationMs: trace.durationMs,
      spanCount: trace.spanCount,
      spans: drawn.map((span) => ({
        name: pageNames.text(span.name),
        offsetMs: span.offsetMs,
        durationMs: span.durationMs,
        depth: span.depth,
        error: span.status === 'error',
      })),
    };
  });
  const { timeline } = profile;
  const notes: string[] = [];
  const lost = lostTracesLine(run);
  if (lost !== undefined) notes.push(`${lost}.`);
  if (stacks.framesNotDrawn > 0) {
    notes.push(
      `${formatCount(stacks.framesNotDrawn)} smaller frames are not drawn (the page keeps the ${formatCount(REPORT_LIMITS.frames)} heaviest, level by level): their time stays in their parent's width.`,
    );
  }
  if (spansNotDrawn > 0) {
    notes.push(
      `${formatCount(spansNotDrawn)} spans of the slowest traces are not drawn (at most ${formatCount(REPORT_LIMITS.waterfallSpans)} per trace).`,
    );
  }
  if (pageNames.shortened > 0 || pageNames.hidden > 0) {
    const hidden =
      pageNames.hidden > 0
        ? `, and ${formatCount(pageNames.hidden)} are shown as "…" in places`
        : '';
    notes.push(
      `${formatCount(pageNames.shortened)} names are shortened to ${SHORT_NAME_CHARS} characters${hidden}, to keep the page under 2 MB (names take at most ${formatCount((NAME_BYTES.full + NAME_BYTES.short) / 1000)} kB of it).`,
    );
  }
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
    stacks: stacks.frame,
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
    slowestTraces,
    notes,
  };
}

/** Two decimals: the page shows counts, not their floating-point noise. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The page's frames: the first `limit` of the tree level by level (children come heaviest
 * first), the rest left out (their parent keeps its whole width).
 */
function toReportFrame(
  root: StackFrame,
  indexOf: (name: string) => number,
  limit: number,
): { frame: ReportFrame; framesNotDrawn: number } {
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
  let kept = 1;
  let framesNotDrawn = 0;
  // Breadth first, iterative: a deep tree must not overflow the stack.
  const queue: [StackFrame, ReportFrame][] = [[root, out]];
  for (let head = 0; head < queue.length; head++) {
    const [frame, converted] = queue[head]!;
    for (const child of frame.children) {
      if (kept >= limit) {
        framesNotDrawn += countFrames(child);
        continue;
      }
      kept++;
      const convertedChild = convert(child);
      converted[6].push(convertedChild);
      queue.push([child, convertedChild]);
    }
  }
  return { frame: out, framesNotDrawn };
}

/** Frames in a subtree, itself included. */
function countFrames(root: StackFrame): number {
  let count = 0;
  const stack = [root];
  while (stack.length > 0) {
    count++;
    stack.push(...stack.pop()!.children);
  }
  return count;
}
