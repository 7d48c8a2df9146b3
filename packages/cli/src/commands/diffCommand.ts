import { resolve } from 'node:path';
import type { NameComparison, RunComparison } from '@ferret/store-sqlite';
import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatDuration, formatPercent } from '../formatNumbers.js';
import { parseNonEmpty } from '../optionParsers.js';
import type { SpanReader } from '../readerTypes.js';
import { NAME_WIDTH } from '../summaryView.js';
import { TextTable } from '../TextTable.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';

interface DiffOptions {
  base?: string;
  run?: string;
  json?: boolean;
}

/** Recorded durations sampled per name and run for the rank test. */
export const DIFF_SAMPLE_SIZE = 2000;

/** One side of the comparison as `--json` prints it. */
interface DiffRunJson {
  file: string;
  runId: string;
  durationMs: number;
}

/** The document `ferret diff --json` prints; described by `schemas/diff.schema.json`. */
export interface DiffJson {
  base: DiffRunJson;
  run: DiffRunJson;
  method: { test: 'mann-whitney-u'; significanceLevel: number; samplePerName: number };
  names: NameComparison[];
  onlyInBase: string[];
  onlyInRun: string[];
}

interface LoadedRun {
  json: DiffRunJson;
  analysis: ReturnType<SpanReader['analyze']>;
}

function loadRun(reader: SpanReader, file: string, spec: string): LoadedRun {
  const runId = reader.resolveRunId(spec);
  const info = reader.runs().find((run) => run.runId === runId);
  const durationMs = info === undefined ? 0 : Math.max(0, info.lastEndTime - info.firstStartTime);
  const analysis = reader.analyze({ runId, sampleSize: DIFF_SAMPLE_SIZE });
  return { json: { file, runId, durationMs }, analysis };
}

function rate(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function change(value: number | null): string {
  if (value === null) return '-';
  const percent = value * 100;
  const sign = percent > 0 ? '+' : percent < 0 ? '−' : '±';
  return `${sign}${Math.abs(percent) >= 100 ? Math.abs(percent).toFixed(0) : Math.abs(percent).toFixed(1)}%`;
}

function verdictCell(row: NameComparison): string {
  if (row.test === undefined) return 'too few spans';
  const p = row.test.pValue < 0.001 ? 'p<0.001' : `p=${row.test.pValue.toFixed(3)}`;
  return row.verdict === 'same' ? `noise (${p})` : `${row.verdict} (${p})`;
}

function renderDiff(
  context: CliContext,
  base: LoadedRun,
  run: LoadedRun,
  comparison: RunComparison,
): string[] {
  const { palette } = context;
  const label = (side: LoadedRun) =>
    `${terminalText(side.json.runId, RUN_ID_CHARS)} (${terminalText(side.json.file)}, ${formatDuration(side.json.durationMs)})`;
  const lines = [palette.style('dim', `base ${label(base)} → run ${label(run)}`)];
  if (comparison.names.length === 0) {
    lines.push('The two runs have no span names in common: nothing to compare.');
  } else {
    const table = new TextTable([
      { header: 'name', align: 'left', maxWidth: NAME_WIDTH },
      { header: 'calls/s', align: 'right' },
      { header: 'Δ', align: 'right' },
      { header: 'p50', align: 'right' },
      { header: 'Δ', align: 'right' },
      { header: 'p95', align: 'right' },
      { header: 'Δ', align: 'right' },
      { header: 'p99', align: 'right' },
      { header: 'Δ', align: 'right' },
      { header: 'error %', align: 'right' },
      { header: 'latency change', align: 'left' },
    ]);
    for (const row of comparison.names) {
      const style = row.verdict === 'slower' ? 'red' : row.verdict === 'faster' ? 'green' : 'dim';
      table.addRow([
        row.name,
        `${rate(row.base.callsPerSecond)} → ${rate(row.run.callsPerSecond)}`,
        change(row.change.callsPerSecond),
        `${formatDuration(row.base.p50Ms)} → ${formatDuration(row.run.p50Ms)}`,
        change(row.change.p50),
        `${formatDuration(row.base.p95Ms)} → ${formatDuration(row.run.p95Ms)}`,
        change(row.change.p95),
        `${formatDuration(row.base.p99Ms)} → ${formatDuration(row.run.p99Ms)}`,
        change(row.change.p99),
        `${formatPercent(row.base.errorRate)} → ${formatPercent(row.run.errorRate)}`,
        palette.style(style, verdictCell(row)),
      ]);
    }
    lines.push(...table.render((text) => palette.style('bold', text)));
    lines.push(
      palette.style(
        'dim',
        `latency change: Mann-Whitney U test (two-sided, normal approximation) on up to ${DIFF_SAMPLE_SIZE.toLocaleString('en-US')} sampled recorded durations per name and run; slower/faster when p < 0.01, else noise`,
      ),
    );
  }
  const only = (title: string, names: readonly string[]) => {
    if (names.length === 0) return;
    const shown = names.slice(0, 20).map((name) => terminalText(name, NAME_WIDTH));
    const more = names.length > shown.length ? `, … ${names.length - shown.length} more` : '';
    lines.push(`${title}: ${shown.join(', ')}${more}`);
  };
  only('only in base', comparison.onlyInBase);
  only('only in run', comparison.onlyInRun);
  return lines;
}

/**
 * `ferret diff <db> --base <run> [--run <run>]` and `ferret diff <a.db> <b.db>`: per span name,
 * rates, percentiles and error rates of two runs, and whether the latency change is beyond noise.
 */
export function registerDiffCommand(program: Command, context: CliContext): void {
  program
    .command('diff')
    .description(
      'compare two runs per span name: calls/s, p50/p95/p99, error rate, and whether the latency change is beyond noise (Mann-Whitney U test)',
    )
    .argument('<db>', 'the database of the base run (and of the compared run, without [other-db])')
    .argument('[other-db]', 'a second database holding the compared run')
    .addOption(
      new Option(
        '--base <run>',
        'the base run in <db>: run id, unique prefix, latest or previous (default: previous with one database, latest with two)',
      ).argParser(parseNonEmpty),
    )
    .addOption(
      new Option(
        '--run <run>',
        'the compared run (in [other-db] when given): run id, unique prefix, latest or previous (default: latest)',
      ).argParser(parseNonEmpty),
    )
    .option('--json', 'print machine-readable JSON (schema: @ferret/cli/schemas/diff.schema.json)')
    .action(async (db: string, otherDb: string | undefined, options: DiffOptions) => {
      const baseSpec = options.base ?? (otherDb === undefined ? 'previous' : 'latest');
      const runSpec = options.run ?? 'latest';
      const base = await withReader(context, db, (reader) => loadRun(reader, db, baseSpec));
      const run = await withReader(context, otherDb ?? db, (reader) =>
        loadRun(reader, otherDb ?? db, runSpec),
      );
      const { compareRuns, MANN_WHITNEY_SIGNIFICANCE } = await import('@ferret/store-sqlite');
      const comparison = compareRuns(
        { analysis: base.analysis, durationMs: base.json.durationMs },
        { analysis: run.analysis, durationMs: run.json.durationMs },
      );
      if (options.json === true) {
        const document: DiffJson = {
          base: base.json,
          run: run.json,
          method: {
            test: 'mann-whitney-u',
            significanceLevel: MANN_WHITNEY_SIGNIFICANCE,
            samplePerName: DIFF_SAMPLE_SIZE,
          },
          ...comparison,
        };
        context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
        return;
      }
      const lines = renderDiff(context, base, run, comparison);
      if (
        resolve(base.json.file) === resolve(run.json.file) &&
        base.json.runId === run.json.runId
      ) {
        lines.splice(
          1,
          0,
          `Both sides are the same run (${terminalText(run.json.runId, RUN_ID_CHARS)}): it is compared with itself, so nothing can change. Pass --base or --run to pick another run.`,
        );
      }
      writeLines(context.stdout, lines);
    });
}
