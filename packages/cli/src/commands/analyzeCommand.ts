import { MAX_TRACE_LIMIT } from '@ferret/internal';
import { STALL_SPAN_NAME } from '@ferret/profiler';
import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { formatCount } from '../formatNumbers.js';
import { lostTracesLine } from '../lostTraces.js';
import { parseNonEmpty, parsePositiveInteger } from '../optionParsers.js';
import type { SpanReader } from '../readerTypes.js';
import { resolveRun, runOption } from '../runOption.js';
import { renderStalls } from '../stallView.js';
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
import { DEFAULT_DB } from './reportCommand.js';

/** Options of `ferret analyze`. */
export interface AnalyzeOptions {
  run?: string;
  sort: SummarySortKey;
  limit?: number;
  json?: boolean;
  tree?: boolean;
  by?: string;
  name?: string;
  maxValues?: number;
}

/** Traces shown by `--tree` without `--limit` (the reader's own default). */
const DEFAULT_TREE_LIMIT = 5;
/** Distinct `--by` values per name before the rest share an `(other)` row. */
const DEFAULT_MAX_VALUES = 20;
/** The reader's upper bound for distinct values per name. */
const MAX_VALUES = 1000;
/** Exit code of a usage error (as in program.ts; that module imports this one). */
const EXIT_USAGE = 2;

function header(runId: string, db: string, what: string): string {
  return `run ${terminalText(runId, RUN_ID_CHARS)} · ${terminalText(db)} · ${what}`;
}

function plural(count: number, word: string): string {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
}

/** Prints the summary of one run (what `ferret analyze` prints without `--tree`). */
export function analyzeSummary(
  context: CliContext,
  db: string,
  reader: SpanReader,
  options: AnalyzeOptions,
): void {
  const runId = resolveRun(reader, options.run);
  const analysis = reader.analyze({
    ...(runId === undefined ? {} : { runId }),
    ...(options.by === undefined
      ? {}
      : { by: options.by, maxValuesPerName: options.maxValues ?? DEFAULT_MAX_VALUES }),
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  // Stall spans are found by a scan of the run: skipped when the unfiltered table shows none.
  const mayHaveStalls =
    options.name !== undefined || analysis.rows.some((row) => row.name === STALL_SPAN_NAME);
  const stalls = mayHaveStalls ? reader.stalls({ runId: analysis.runId }) : [];
  const sorted = sortSummary(analysis.rows, options.sort);
  const shown = options.limit === undefined ? sorted : sorted.slice(0, options.limit);
  if (options.json === true) {
    const document: SummaryJson = {
      file: db,
      runId: analysis.runId,
      sort: options.sort,
      ...(options.by === undefined
        ? {}
        : { by: options.by, spansWithAttribute: analysis.spansWithAttribute ?? 0 }),
      ...(options.name === undefined ? {} : { name: options.name }),
      rows: shown.map(toSummaryJsonRow),
      stalls,
      recordedTraces: analysis.recordedTraces,
      missingTraces: analysis.missingTraces,
    };
    context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const { palette } = context;
  const names = new Set(analysis.rows.map((row) => row.name)).size;
  const filter = options.name === undefined ? '' : ` matching ${terminalText(options.name)}`;
  const lines = [
    palette.style('dim', header(analysis.runId, db, `${plural(names, 'span name')}${filter}`)),
  ];
  if (options.by !== undefined && analysis.spansWithAttribute === 0 && analysis.rows.length > 0) {
    lines.push(
      palette.style(
        'yellow',
        `No span${filter === '' ? '' : ` named${filter}`} has the attribute ${terminalText(options.by)}: every row is (none).`,
      ),
    );
  }
  if (analysis.rows.length === 0) {
    lines.push(
      options.name === undefined
        ? 'No spans recorded in this run.'
        : `No span name matches ${terminalText(options.name)} in this run.`,
    );
    writeLines(context.stdout, lines);
    return;
  }
  lines.push(...renderSummaryTable(shown, options.sort, palette, options.by));
  if (shown.length < sorted.length) {
    lines.push(
      palette.style(
        'dim',
        `… ${formatCount(sorted.length - shown.length)} more (raise --limit to see them)`,
      ),
    );
  }
  if (options.by !== undefined && analysis.rows.some((row) => row.group === 'other')) {
    lines.push(
      palette.style(
        'dim',
        `(other): values past the first ${formatCount(options.maxValues ?? DEFAULT_MAX_VALUES)} of a name (raise --max-values to split them)`,
      ),
    );
  }
  const lost = lostTracesLine(analysis);
  if (lost !== undefined) lines.push(palette.style('yellow', lost));
  for (const line of summaryFootnote(shown)) lines.push(palette.style('dim', line));
  if (options.name === undefined) lines.push(...renderStalls(stalls, palette));
  writeLines(context.stdout, lines);
}

function analyzeTree(
  context: CliContext,
  db: string,
  reader: SpanReader,
  options: AnalyzeOptions,
): void {
  const limit = options.limit ?? DEFAULT_TREE_LIMIT;
  const runId = resolveRun(reader, options.run);
  const traces = reader.slowestTraces({
    ...(runId === undefined ? {} : { runId }),
    ...(options.name === undefined ? {} : { name: options.name }),
    limit,
  });
  const shownRunId = String(runId ?? reader.latestRunId() ?? '');
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ file: db, runId: shownRunId, traces }, null, 2)}\n`);
    return;
  }
  const filter = options.name === undefined ? '' : ` named ${terminalText(options.name)}`;
  const lines = [
    context.palette.style(
      'dim',
      header(shownRunId, db, `${plural(traces.length, 'slowest trace')}${filter}`),
    ),
  ];
  if (traces.length === 0) {
    lines.push(
      options.name === undefined
        ? 'No traces recorded in this run.'
        : `No trace whose root matches ${terminalText(options.name)} in this run.`,
    );
  }
  for (const trace of traces) {
    lines.push('', ...renderTraceTree(trace, context.palette));
  }
  writeLines(context.stdout, lines);
}

/**
 * `ferret analyze [db]`: the per-name performance summary of one run (optionally split by an
 * attribute, filtered by a name glob), or with `--tree` its slowest traces as indented trees.
 */
export function registerAnalyzeCommand(program: Command, context: CliContext): void {
  program
    .command('analyze')
    .description(
      'summarise one run: a row per span name (or per name and attribute value with --by): calls (exact, or ≈ estimated from sampling weights), recorded spans, total and self time, latency percentiles, error rate; or its slowest traces with --tree',
    )
    .argument('[db]', 'path to a Ferret span database (SQLite file)', DEFAULT_DB)
    .addOption(runOption('analyse'))
    .addOption(
      new Option('--by <attribute>', 'one row per (name, value of this attribute)')
        .argParser(parseNonEmpty)
        .conflicts('tree'),
    )
    .addOption(
      new Option(
        '--max-values <n>',
        `with --by: values per name with their own row, the rest in (other) (default: ${DEFAULT_MAX_VALUES}, at most 1000)`,
      )
        .argParser(parsePositiveInteger)
        .conflicts('tree'),
    )
    .addOption(
      new Option(
        '--name <glob>',
        "only span names matching this glob (* ? [..], case-sensitive); with --tree, traces whose root matches (quote it: 'GET /users/*')",
      ).argParser(parseNonEmpty),
    )
    .addOption(
      new Option(
        '--sort <key>',
        'order of the summary rows, descending, by any numeric column (estimated: ≈ all calls; self-p50: self p50)',
      )
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
      if (options.maxValues !== undefined && options.by === undefined) {
        throw new CliError("option '--max-values <n>' needs --by", EXIT_USAGE);
      }
      if (options.maxValues !== undefined && options.maxValues > MAX_VALUES) {
        throw new CliError(
          `option '--max-values <n>' argument '${options.maxValues}' is invalid. Expected at most ${MAX_VALUES}.`,
          EXIT_USAGE,
        );
      }
      if (options.tree === true && options.limit !== undefined && options.limit > MAX_TRACE_LIMIT) {
        throw new CliError(
          `option '--limit <n>' argument "${options.limit}" is invalid. Expected at most ${MAX_TRACE_LIMIT} with --tree.`,
          EXIT_USAGE,
        );
      }
      await withReader(context, db, (reader) => {
        if (options.tree === true) analyzeTree(context, db, reader, options);
        else analyzeSummary(context, db, reader, options);
      });
    });
}
