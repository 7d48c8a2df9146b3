import { formatCalls, formatCount, formatDuration } from './formatNumbers.js';
import type { Palette } from './Palette.js';
import type { RecentActivity } from './readerTypes.js';
import { TextTable } from './TextTable.js';
import { RUN_ID_CHARS, terminalText } from './terminalText.js';

/** Longest span name printed in a frame. */
const NAME_WIDTH = 50;

/** `12:00:01` of an epoch-ms time, UTC. */
function clock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

/** What one frame of `ferret watch` shows besides the activity. */
export interface WatchFrameContext {
  db: string;
  /** Names to list, most calls first. */
  top: number;
  /** A hint on the first line (how to quit), or undefined for plain frames. */
  hint?: string;
}

/**
 * One frame of `ferret watch` as lines: per second, calls vs recorded vs dropped roots and the
 * spans stored; then the names with the most calls over the window with their p95.
 */
export function renderWatchFrame(
  activity: RecentActivity,
  context: WatchFrameContext,
  palette: Palette,
): string[] {
  const windowSeconds = Math.round(activity.windowMs / 1000);
  const lines = [
    palette.style(
      'dim',
      `ferret watch · ${terminalText(context.db, 80)} · run ${terminalText(activity.runId, RUN_ID_CHARS)} · ${clock(activity.windowEnd)} UTC${context.hint === undefined ? '' : ` · ${context.hint}`}`,
    ),
    '',
  ];
  const seconds = new TextTable([
    { header: 'second (UTC)', align: 'left' },
    { header: 'calls', align: 'right' },
    { header: 'recorded', align: 'right' },
    { header: 'dropped', align: 'right' },
    { header: 'stored spans', align: 'right' },
  ]);
  const totals = { calls: 0, recorded: 0, dropped: 0, stored: 0 };
  for (const second of activity.seconds) {
    totals.calls += second.calls;
    totals.recorded += second.recorded;
    totals.dropped += second.dropped;
    totals.stored += second.stored;
    const counted = (value: number) => (activity.hasCounts ? formatCount(value) : '-');
    seconds.addRow([
      clock(second.startTime),
      counted(second.calls),
      counted(second.recorded),
      second.dropped > 0.5
        ? palette.style('yellow', counted(second.dropped))
        : counted(second.dropped),
      formatCount(second.stored),
    ]);
  }
  seconds.addRow([
    `last ${windowSeconds} s`,
    activity.hasCounts ? formatCount(totals.calls) : '-',
    activity.hasCounts ? formatCount(totals.recorded) : '-',
    activity.hasCounts ? formatCount(totals.dropped) : '-',
    formatCount(totals.stored),
  ]);
  lines.push(...seconds.render((text) => palette.style('bold', text)));
  if (!activity.hasCounts) {
    lines.push(palette.style('dim', 'no count records in this window: calls are not known'));
  }
  lines.push('');
  const names = activity.names.slice(0, context.top);
  lines.push(palette.style('bold', `top names by calls, last ${windowSeconds} s`));
  if (names.length === 0) {
    lines.push('no spans or calls in this window');
  } else {
    const table = new TextTable([
      { header: 'name', align: 'left' },
      { header: 'calls', align: 'right' },
      { header: 'recorded', align: 'right' },
      { header: 'p95', align: 'right' },
      { header: 'errors', align: 'right' },
    ]);
    for (const name of names) {
      table.addRow([
        terminalText(name.name, NAME_WIDTH),
        formatCalls(name.calls, name.callsExact),
        formatCount(name.recorded),
        name.recorded > 0 ? formatDuration(name.p95Ms) : '-',
        name.errors > 0 ? palette.style('red', formatCount(name.errors)) : '0',
      ]);
    }
    lines.push(...table.render((text) => palette.style('dim', text)));
    if (activity.names.length > names.length) {
      lines.push(
        palette.style('dim', `… ${formatCount(activity.names.length - names.length)} more names`),
      );
    }
  }
  if (activity.truncated) {
    lines.push(
      palette.style(
        'dim',
        'the window holds more spans than one refresh reads: p95 is over the newest',
      ),
    );
  }
  return lines;
}

/** The frame shown while the database holds no run yet. */
export function renderWaitingFrame(
  db: string,
  now: number,
  palette: Palette,
  hint?: string,
): string[] {
  return [
    palette.style(
      'dim',
      `ferret watch · ${terminalText(db, 80)} · ${clock(now)} UTC${hint === undefined ? '' : ` · ${hint}`}`,
    ),
    '',
    'waiting for the first run to write spans…',
  ];
}
