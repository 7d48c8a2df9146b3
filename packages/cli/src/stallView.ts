import { formatCount, formatDuration } from './formatNumbers.js';
import type { Palette } from './Palette.js';
import type { StallSummary } from './readerTypes.js';
import { NAME_WIDTH } from './summaryView.js';
import { TextTable } from './TextTable.js';

/** The row of stalls that happened outside any recorded span. */
const NO_SPAN = '(no span)';

/**
 * The event-loop stalls of a run (`ferret.stall` spans) per span that was running when the loop
 * stopped: a heading and a table, or nothing when the run has none.
 */
export function renderStalls(stalls: readonly StallSummary[], palette: Palette): string[] {
  if (stalls.length === 0) return [];
  const total = stalls.reduce((sum, row) => sum + row.count, 0);
  const table = new TextTable([
    { header: 'stalled in', align: 'left', maxWidth: NAME_WIDTH },
    { header: 'stalls', align: 'right' },
    { header: 'max', align: 'right' },
    { header: 'total blocked', align: 'right' },
  ]);
  for (const row of stalls) {
    table.addRow([
      row.spanName ?? NO_SPAN,
      formatCount(row.count),
      formatDuration(row.maxMs),
      formatDuration(row.totalMs),
    ]);
  }
  return [
    '',
    palette.style(
      'yellow',
      `Event loop stalled ${formatCount(total)} time${total === 1 ? '' : 's'} (ferret.stall spans), by the span running when it stopped:`,
    ),
    ...table.render((text) => palette.style('bold', text)),
  ];
}
