import { formatCount, formatDuration, formatTimestamp } from '../src/formatNumbers.js';
import type { ReportData } from '../src/report/ReportData.js';
import { el } from './dom.js';

/** The slowest traces, each span a bar placed by its offset and duration within the root. */
export function renderWaterfalls(
  container: HTMLElement,
  traces: ReportData['slowestTraces'],
): void {
  for (const trace of traces) {
    const rows = trace.spans.map((span) => {
      const total = trace.durationMs > 0 ? trace.durationMs : 1;
      const left = Math.min(Math.max((100 * span.offsetMs) / total, 0), 100);
      const width = Math.min(Math.max((100 * span.durationMs) / total, 0.2), 100 - left);
      const bar = el('div', {
        className: span.error ? 'bar error' : 'bar',
        title: `${span.name}: ${formatDuration(span.durationMs)} at +${formatDuration(span.offsetMs)}`,
      });
      bar.style.left = `${left}%`;
      bar.style.width = `${width}%`;
      const label = el('div', { className: 'span-name', text: span.name });
      label.style.paddingLeft = `${Math.min(span.depth, 30) * 12}px`;
      return el('div', { className: 'waterfall-row' }, [
        label,
        el('div', { className: 'span-time', text: formatDuration(span.durationMs) }),
        el('div', { className: 'track' }, [bar]),
      ]);
    });
    const more =
      trace.spans.length < trace.spanCount
        ? [
            el('p', {
              className: 'explain',
              text: `… ${formatCount(trace.spanCount - trace.spans.length)} more spans not shown`,
            }),
          ]
        : [];
    container.append(
      el('details', { className: 'waterfall' }, [
        el('summary', {
          text: `${formatDuration(trace.durationMs)} · ${trace.spans[0]?.name ?? ''} · ${formatCount(trace.spanCount)} spans · ${formatTimestamp(trace.startTime)} · trace ${trace.traceId}`,
        }),
        ...rows,
        ...more,
      ]),
    );
  }
  const first = container.querySelector('details');
  if (first !== null) first.open = true;
}
