// The options of the reader's query methods (`summary()`, `analyze()`, …): checked once per call,
// before any statement runs.
import { assertKnownOptions, describe, optionKeys } from '@ferret/internal';
import type { AnalyzeOptions, StackTreeOptions } from './analysisTypes.js';

/** Every key of {@link AnalyzeOptions}. */
export const ANALYZE_OPTION_KEYS = optionKeys<AnalyzeOptions>({
  runId: true,
  by: true,
  name: true,
  maxValuesPerName: true,
  sampleSize: true,
});

/** Every key of {@link StackTreeOptions}. */
export const STACK_TREE_OPTION_KEYS = optionKeys<StackTreeOptions>({
  runId: true,
  maxStacks: true,
});

/**
 * Checks a query method's options: an object whose keys are all in `known` (a misspelt key is a
 * TypeError naming it and the likely intended one) and whose `runId`, when given, is a non-empty
 * string.
 */
export function assertQueryOptions(
  options: unknown,
  method: string,
  known: readonly string[],
): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
  assertKnownOptions(`SpanReader.${method}()`, options, known);
  const { runId } = options as { runId?: unknown };
  if (runId === undefined) return;
  if (typeof runId !== 'string') {
    throw new TypeError(`Expected \`runId\` to be a non-empty string, got ${describe(runId)}`);
  }
  if (runId.length === 0) {
    throw new RangeError('Expected `runId` to be a non-empty string, got an empty string');
  }
}
