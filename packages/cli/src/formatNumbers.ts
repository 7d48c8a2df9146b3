/**
 * Human-readable durations and counts for terminal output. Durations keep three significant
 * digits and pick the unit (µs, ms, s) that keeps the number between 1 and 1000.
 */

function threeSignificant(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `0.0123` → `12.3 µs`, `45.678` → `45.7 ms`, `1234` → `1.23 s`; non-finite or negative → `-`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms === 0) return '0 ms';
  // Round first so that 999.6 µs prints as 1.00 ms instead of 1000 µs.
  const us = ms * 1000;
  if (Number(threeSignificant(us)) < 1000) return `${threeSignificant(us)} µs`;
  if (Number(threeSignificant(ms)) < 1000) return `${threeSignificant(ms)} ms`;
  return `${threeSignificant(ms / 1000)} s`;
}

/** Integer with thousands separators: `1234567` → `1,234,567`. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return Math.round(value).toLocaleString('en-US');
}

/** A call count: `1,234` when exact, `≈1,234` when estimated (from sampling weights). */
export function formatCalls(calls: number, exact: boolean): string {
  return exact ? formatCount(calls) : `≈${formatCount(calls)}`;
}

/** A 0..1 rate as a percentage: `0` → `0%`, `0.0004` → `<0.1%`, `0.125` → `12.5%`. */
export function formatPercent(rate: number): string {
  if (!Number.isFinite(rate) || rate < 0) return '-';
  if (rate === 0) return '0%';
  const percent = rate * 100;
  if (percent < 0.05) return '<0.1%';
  return `${percent.toFixed(1)}%`;
}

/** ISO-8601 UTC timestamp of an epoch-ms value, millisecond precision. */
export function formatTimestamp(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return '-';
  return new Date(epochMs).toISOString();
}
