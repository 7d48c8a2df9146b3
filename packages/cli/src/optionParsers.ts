import { InvalidArgumentError } from 'commander';

/**
 * Parses a positive integer option value (`--limit 5`). Rejects everything else with a message
 * the CLI prints as one line: `option '--limit <n>' argument "abc" is invalid. Expected …`.
 */
export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new InvalidArgumentError('Expected a positive integer.');
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('Expected a positive integer.');
  }
  return parsed;
}

/** Parses a non-empty option value (`--run ''` is a mistake, not "the latest run"). */
export function parseNonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('Expected a non-empty value.');
  return value;
}
