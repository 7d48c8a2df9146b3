import { describe, expect, it } from 'vitest';
import {
  formatCalls,
  formatCount,
  formatDuration,
  formatPercent,
  formatTimestamp,
} from '../src/formatNumbers.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [0.0000123, '0.01 µs'],
    [0.0123, '12.3 µs'],
    [0.5, '500 µs'],
    [0.9996, '1.00 ms'],
    [1.234, '1.23 ms'],
    [45.678, '45.7 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [1234, '1.23 s'],
    [123_456, '123 s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('prints %d as "-"', (ms) => {
    expect(formatDuration(ms)).toBe('-');
  });
});

describe('formatCount / formatPercent / formatTimestamp', () => {
  it('groups thousands and rounds', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(12.6)).toBe('13');
    expect(formatCount(Number.NaN)).toBe('-');
  });

  it('marks estimated call counts with ≈', () => {
    expect(formatCalls(1234, true)).toBe('1,234');
    expect(formatCalls(1234, false)).toBe('≈1,234');
  });

  it('prints rates as percentages with one decimal and marks tiny non-zero rates', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(Number.NaN)).toBe('-');
  });

  it('prints epoch ms as UTC ISO-8601', () => {
    expect(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05.678Z');
  });
});
