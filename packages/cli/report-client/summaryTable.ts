import { formatCalls, formatCount, formatDuration, formatPercent } from '../src/formatNumbers.js';
import type { ReportSummaryRow } from '../src/report/ReportData.js';
import { el } from './dom.js';

interface Column {
  label: string;
  title: string;
  value: (row: ReportSummaryRow) => number | string;
  format: (row: ReportSummaryRow) => string;
}

const COLUMNS: Column[] = [
  { label: 'name', title: 'span name', value: (r) => r.name, format: (r) => r.name },
  {
    label: 'calls',
    title: 'calls made, sampled or not (≈: estimated from sampling weights)',
    value: (r) => r.calls,
    format: (r) => formatCalls(r.calls, r.callsExact),
  },
  {
    label: 'recorded',
    title: 'spans stored',
    value: (r) => r.recorded,
    format: (r) => formatCount(r.recorded),
  },
  {
    label: 'dropped',
    title: 'calls not stored',
    value: (r) => r.dropped,
    format: (r) => formatCount(r.dropped),
  },
  {
    label: 'total (recorded)',
    title: 'Σ duration of the stored spans',
    value: (r) => r.totalMs,
    format: (r) => formatDuration(r.totalMs),
  },
  {
    label: 'total (est.)',
    title: 'Σ duration × sampling weight: the time extrapolated over all calls',
    value: (r) => r.estimatedTotalMs,
    format: (r) => formatDuration(r.estimatedTotalMs),
  },
  { label: 'avg', title: 'mean', value: (r) => r.avgMs, format: (r) => formatDuration(r.avgMs) },
  { label: 'p50', title: 'median', value: (r) => r.p50Ms, format: (r) => formatDuration(r.p50Ms) },
  {
    label: 'p95',
    title: '95th percentile',
    value: (r) => r.p95Ms,
    format: (r) => formatDuration(r.p95Ms),
  },
  {
    label: 'p99',
    title: '99th percentile',
    value: (r) => r.p99Ms,
    format: (r) => formatDuration(r.p99Ms),
  },
  { label: 'max', title: 'slowest', value: (r) => r.maxMs, format: (r) => formatDuration(r.maxMs) },
  {
    label: 'errors',
    title: 'stored spans with status error (rate)',
    value: (r) => r.errors,
    format: (r) =>
      r.errors === 0 ? '0' : `${formatCount(r.errors)} (${formatPercent(r.errorRate)})`,
  },
];

/** The per-name table; a click on a heading sorts by that column (again: reverses). */
export function renderSummaryTable(rows: readonly ReportSummaryRow[]): HTMLTableElement {
  const table = el('table', { className: 'summary' });
  const head = el('thead');
  const body = el('tbody');
  const headerRow = el('tr');
  let sortIndex = 4;
  let descending = true;
  const headers = COLUMNS.map((column, index) => {
    const th = el('th', { text: column.label, title: `${column.title} (click to sort)` });
    th.dataset.column = column.label;
    th.addEventListener('click', () => {
      descending = sortIndex === index ? !descending : index !== 0;
      sortIndex = index;
      draw();
    });
    headerRow.append(th);
    return th;
  });
  head.append(headerRow);
  table.append(head, body);

  function draw(): void {
    const column = COLUMNS[sortIndex]!;
    const sorted = [...rows].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return (descending ? -order : order) || b.totalMs - a.totalMs;
    });
    headers.forEach((th, index) => {
      th.classList.toggle('sorted', index === sortIndex);
      th.dataset.order = index === sortIndex ? (descending ? 'desc' : 'asc') : '';
    });
    body.replaceChildren(
      ...sorted.map((row) =>
        el(
          'tr',
          {},
          COLUMNS.map((c, index) =>
            el('td', { text: c.format(row), className: index === 0 ? 'name' : 'num' }),
          ),
        ),
      ),
    );
  }
  draw();
  return table;
}
