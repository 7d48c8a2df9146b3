// The line every view prints when traces the count records say were recorded are not in the file.
import { formatCount } from './formatNumbers.js';

/**
 * "N recorded traces are missing from the file (…); estimates are scaled from the M stored", or
 * undefined when none is missing. `recordedTraces`/`missingTraces` as the reader reports them
 * (`RunInfo`, `RunAnalysis`).
 */
export function lostTracesLine(lost: {
  recordedTraces: number;
  missingTraces: number;
}): string | undefined {
  const { missingTraces: missing, recordedTraces: recorded } = lost;
  if (!(missing > 0)) return undefined;
  const stored = Math.max(0, recorded - missing);
  return `${formatCount(missing)} recorded trace${missing === 1 ? ' is' : 's are'} missing from the file (lost after sampling: queue full or write failures); estimates are scaled from the ${formatCount(stored)} stored`;
}
