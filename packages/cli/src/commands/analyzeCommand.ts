import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCount } from '../formatNumbers.js';
import { parseNonEmpty, parsePositiveInteger } from '../optionParsers.js';
import type { SpanReader } from '../readerTypes.js';
import {
  renderSummaryTable,
  SUMMARY_SORT_KEYS,
  type SummaryJson,
  type SummarySortKey,
  sortSummary,
  summaryFootnote,
  toSummaryJsonRow,
} from '../summaryView.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';
import { renderTraceTree } from '../traceTreeView.js';

/** Options of `ferret analyze`. */
export interface AnalyzeOptions {
  run?: string;
  sort: SummarySortKey;
  limit?: number;
  json?: boolean;
  tree?: boolean;
}

/** Traces shown by `--tree` without `--limit` (the reader's own default). */
const DEFAULT_TREE_LIMIT = 5;

function resolveRunId(reader: SpanReader, requested: string | undefined): string | undefined {
  return requested ?? reader.latestRunId();
}

/** Prints the summary of one run (what `ferret analyze` prints without `--tree`). */
export function analyzeSummary(
  context: CliContext,
  db: string,
  reader: SpanReader,
  options: AnalyzeOptions,
): void {
  // The reader validates the run (UNKNOWN_RUN, NO_RUNS) before anything is printed.
  const summary = reader.summary(options.run === undefined ? {} : { runId: options.run });
  const runId = resolveRunId(reader, options.run) ?? '';
  const sorted = sortSummary(summary, options.sort);
  const shown = options.limit === undefined ? sorted : sorted.slice(0, options.limit);
  if (options.json === true) {
    const document: SummaryJson = {
      file: db,
      runId,
      sort: options.sort,
      rows: shown.map(toSummaryJsonRow),
    };
    context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const { palette } = context;
  const lines = [
    palette.style(
      'dim',
      `run ${terminalText(runId, RUN_ID_CHARS)} · ${terminalText(db)} · ${formatCount(summary.length)} span name${summary.length === 1 ? '' : 's'}`,
    ),
  ];
  if (summary.length === 0) {
    lines.push('No spans recorded in this run.');
    writeLines(context.stdout, lines);
    return;
  }
  lines.push(...renderSummaryTable(shown, options.sort, palette));
  if (shown.length < sorted.length) {
    lines.push(
      palette.style(
        'dim',
        `… ${formatCount(sorted.length - shown.length)} more (raise --limit to see them)`,
      ),
    );
  }
  const footnote = summaryFootnote(shown);
  if (footnote !== undefined) lines.push(palette.style('dim', footnote));
  writeLines(context.stdout, lines);
}

function analyzeTree(
  context: CliContext,
  db: string,
  reader: SpanReader,
  options: AnalyzeOptions,
): void {
  const limit = options.limit ?? DEFAULT_TREE_LIMIT;
  const traces = reader.slowestTraces(
    options.run === undefined ? { limit } : { runId: options.run, limit },
  );
  const runId = resolveRunId(reader, options.run) ?? '';
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ file: db, runId, traces }, null, 2)}\n`);
    return;
  }
  const lines = [
    context.palette.style(
      'dim',
      `run ${terminalText(runId, RUN_ID_CHARS)} · ${terminalText(db)} · ${traces.length} slowest trace${traces.length === 1 ? '' : 's'}`,
    ),
  ];
  if (traces.length === 0) lines.push('No traces recorded in this run.');
  for (const trace of traces) {
    lines.push('', ...renderTraceTree(trace, context.palette));
  }
  writeLines(context.stdout, lines);
}

/**
 * `ferret analyze <db>`: the per-name performance summary of one run, or with `--tree` its
 * slowest traces as indented trees.
 */
export function registerAnalyzeCommand(program: Command, context: CliContext): void {
  program
    .command('analyze')
    .description(
      'summarise one run: a row per span name (calls: exact, or ≈ estimated from sampling weights; recorded spans; latency percentiles; error rate), or its slowest traces with --tree',
    )
    .argument('<db>', 'path to a Ferret span database (SQLite file)')
    .addOption(
      new Option('--run <id>', 'the run to analyse (default: the latest run)').argParser(
        parseNonEmpty,
      ),
    )
    .addOption(
      new Option('--sort <key>', 'order of the summary rows, descending')
        .choices(SUMMARY_SORT_KEYS)
        .default('total')
        .conflicts('tree'),
    )
    .addOption(
      new Option(
        '--limit <n>',
        `rows to print (default: all), or traces with --tree (default: ${DEFAULT_TREE_LIMIT})`,
      ).argParser(parsePositiveInteger),
    )
    .option('--tree', 'print the slowest traces as indented trees instead of the summary')
    .option(
      '--json',
      'print machine-readable JSON (schema: @ferret/cli/schemas/analyze.schema.json)',
    )
    .action(async (db: string, options: AnalyzeOptions) => {
      await withReader(context, db, (reader) => {
        if (options.tree === true) analyzeTree(context, db, reader, options);
        else analyzeSummary(context, db, reader, options);
      });
    });
}
