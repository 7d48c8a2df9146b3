// The script of the `ferret report` page: reads the JSON the CLI embedded and draws every section.
// Styles: report.css and the libraries' own, concatenated by scripts/build-report-client.mjs.

import { formatCalls, formatCount, formatTimestamp } from '../src/formatNumbers.js';
import type { ReportData } from '../src/report/ReportData.js';
import { renderLatency, renderTimeline } from './charts.js';
import { el, section } from './dom.js';
import { renderFlameGraph, toFlameData } from './flameGraph.js';
import { renderSummaryTable } from './summaryTable.js';
import { renderWaterfalls } from './waterfalls.js';

function readData(): ReportData {
  const script = document.getElementById('ferret-data');
  if (script === null) throw new Error('the report holds no data');
  return JSON.parse(script.textContent ?? '') as ReportData;
}

function header(data: ReportData): HTMLElement {
  const run = data.run;
  const facts = [
    `run ${run.runId}`,
    ...(run.serviceName === null ? [] : [`service ${run.serviceName}`]),
    `${formatTimestamp(run.firstStartTime)} → ${formatTimestamp(run.lastEndTime)}`,
    `${formatCalls(run.rootCalls, run.callsExact)} root calls`,
    `${formatCount(run.spanCount)} stored spans`,
  ];
  return el('header', {}, [
    el('h1', { text: data.title }),
    el('p', { className: 'facts', text: facts.join(' · ') }),
    el('p', {
      className: 'explain',
      text: `${data.file} · generated ${data.generatedAt} by ferret report`,
    }),
  ]);
}

function render(data: ReportData): void {
  const main = el('main');
  main.append(header(data));
  for (const note of data.notes) main.append(el('p', { className: 'note', text: note }));
  if (data.empty) {
    const empty = el('p', { className: 'empty', text: 'No spans recorded in this run.' });
    empty.id = 'empty-run';
    main.append(empty);
    if (data.summary.length > 0) {
      const counted = section(
        'summary',
        'Calls counted',
        'Calls the profiler counted in this run; none was recorded as a span.',
      );
      counted.append(renderSummaryTable(data.summary));
      main.append(counted);
    }
    document.body.append(main);
    return;
  }
  const flame = section(
    'flame',
    'Whole-run flame graph',
    'Every stored span merged by its stack of names, widths scaled by sampling weight (a frame is as wide as the time of the calls it stands for). Hover for calls, self and total time; click to zoom.',
  );
  const timeline = section(
    'timeline',
    'What the budget did',
    data.timeline.hasCounts
      ? 'Root calls per bucket (exact, from count records), how many were recorded and dropped by the budget, and the spans stored (roots and children, by start time).'
      : 'Spans stored per bucket, by start time (this run has no count records, so calls are not known).',
  );
  const summary = section(
    'summary',
    'Per-name summary',
    'One row per span name. calls: exact from count records, ≈ estimated from sampling weights. Click a column to sort.',
  );
  const latency = section(
    'latency',
    'Latency histogram',
    'Durations of the stored spans of one name, in logarithmic buckets.',
  );
  const slowest = section(
    'slowest',
    'Slowest traces',
    'The slowest stored traces as waterfalls: each bar is a span, placed by its start and length within the trace.',
  );
  main.append(flame, timeline, summary, latency, slowest);
  document.body.append(main);

  renderFlameGraph(flame, toFlameData(data.stacks, data.names));
  renderTimeline(timeline, data.timeline);
  summary.append(renderSummaryTable(data.summary));
  if (data.summaryOmitted > 0) {
    summary.append(
      el('p', {
        className: 'explain',
        text: `… ${formatCount(data.summaryOmitted)} more names not shown`,
      }),
    );
  }
  renderLatency(latency, data.latency);
  renderWaterfalls(slowest, data.slowestTraces);
}

render(readData());
