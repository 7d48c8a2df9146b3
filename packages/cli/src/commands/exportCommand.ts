import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { toAggregateSpeedscope, toCollapsed } from '../flameExport.js';
import { formatCount } from '../formatNumbers.js';
import { parseNonEmpty } from '../optionParsers.js';
import { assertOutputPath, STANDARD_OUTPUT, writeFileAtomically } from '../outputFile.js';
import type { SpanReader } from '../readerTypes.js';
import { resolveRun, runOption } from '../runOption.js';
import { toSpeedscope } from '../speedscope.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';
import { CLI_VERSION } from '../version.js';
import { DEFAULT_DB } from './reportCommand.js';

const EXPORT_FORMATS = ['speedscope', 'collapsed'] as const;

interface ExportOptions {
  format: (typeof EXPORT_FORMATS)[number];
  aggregate?: boolean;
  run?: string;
  output?: string;
  force?: boolean;
}

/** What an export produced: the file text and the confirmation line's description of it. */
interface Exported {
  text: string;
  runId: string;
  summary: string;
  /** Printed after the run id, e.g. ` (40 profiles)`. */
  detail: string;
  opener: string;
}

const EXPORTER = `@ferret/cli@${CLI_VERSION}`;

/** One run as evented speedscope profiles, one per trace (and lane). */
function exportTraces(reader: SpanReader, runSpec: string | undefined): Exported {
  // The reader checks the run when spans() is called: an unknown run or an empty database
  // fails with the store's own one-line message. The run id read back is only a label: a
  // damaged file must fail in the reader, not as bad usage.
  const resolved = resolveRun(reader, runSpec);
  const runId = String(resolved ?? reader.latestRunId() ?? '');
  const spans = reader.spans(resolved === undefined ? {} : { runId: resolved });
  let spanCount = 0;
  const traceIds = new Set<string>();
  const counted = (function* () {
    for (const span of spans) {
      spanCount += 1;
      traceIds.add(span.traceId);
      yield span;
    }
  })();
  const file = toSpeedscope(counted, { name: `ferret ${runId}`, exporter: EXPORTER });
  return {
    text: JSON.stringify(file),
    runId,
    summary: `${formatCount(spanCount)} spans in ${formatCount(traceIds.size)} traces`,
    detail: ` (${formatCount(file.profiles.length)} profiles)`,
    opener: 'open it at https://www.speedscope.app',
  };
}

/** The whole run merged by call path: folded stacks, or one sampled speedscope profile. */
function exportAggregate(
  reader: SpanReader,
  runSpec: string | undefined,
  format: ExportOptions['format'],
): Exported {
  const resolved = resolveRun(reader, runSpec);
  const tree = reader.stackTree(resolved === undefined ? {} : { runId: resolved });
  const summary = `${formatCount(tree.stacks)} call paths`;
  if (format === 'collapsed') {
    const lines = toCollapsed(tree);
    return {
      text: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
      runId: tree.runId,
      summary,
      detail: ` (${formatCount(lines.length)} lines)`,
      opener: 'open it with flamegraph.pl, inferno-flamegraph or https://www.speedscope.app',
    };
  }
  const file = toAggregateSpeedscope(tree, { name: `ferret ${tree.runId}`, exporter: EXPORTER });
  return {
    text: JSON.stringify(file),
    runId: tree.runId,
    summary,
    detail: ' (one profile of the whole run)',
    opener: 'open it at https://www.speedscope.app',
  };
}

/** `ferret export [db] [--format speedscope|collapsed] [--aggregate] [--run ID] [-o file]`. */
export function registerExportCommand(program: Command, context: CliContext): void {
  program
    .command('export')
    .description(
      'export one run to a file another tool opens: speedscope (per trace, or --aggregate for the whole run) or collapsed stacks (flamegraph.pl, inferno)',
    )
    .argument('[db]', 'path to a Ferret span database (SQLite file)', DEFAULT_DB)
    .addOption(
      new Option(
        '--format <format>',
        'speedscope: JSON for https://www.speedscope.app; collapsed: folded stacks "a;b;c value" (weight-scaled µs of self time) for flamegraph.pl/inferno',
      )
        .choices(EXPORT_FORMATS)
        .default('speedscope'),
    )
    .option(
      '--aggregate',
      'speedscope: one weighted profile of the whole run (self time × sampling weight by call path) instead of one profile per trace',
    )
    .addOption(runOption('export'))
    .addOption(
      new Option('-o, --output <file>', 'file to write; - or none: standard output').argParser(
        parseNonEmpty,
      ),
    )
    .option(
      '--force',
      'replace an existing output file (never a database: those are refused whatever the flags)',
    )
    .action(async (db: string, options: ExportOptions) => {
      if (options.aggregate === true && options.format !== 'speedscope') {
        throw new CliError(
          "option '--aggregate' is for --format speedscope (collapsed stacks are always the whole run)",
          2,
        );
      }
      if (options.output !== undefined) {
        const { FERRET_APPLICATION_ID } = await import('@ferret/store-sqlite');
        assertOutputPath(options.output, {
          force: options.force === true,
          database: db,
          ferretApplicationId: FERRET_APPLICATION_ID,
        });
      }
      const exported = await withReader(context, db, (reader) =>
        options.format === 'collapsed' || options.aggregate === true
          ? exportAggregate(reader, options.run, options.format)
          : exportTraces(reader, options.run),
      );
      if (options.output === undefined || options.output === STANDARD_OUTPUT) {
        const text = exported.text;
        context.stdout.write(options.format === 'collapsed' ? text : `${text}\n`);
        return;
      }
      writeFileAtomically(options.output, exported.text);
      writeLines(context.stdout, [
        `Wrote ${exported.summary} of run ${terminalText(exported.runId, RUN_ID_CHARS)}${exported.detail} to ${terminalText(options.output)}; ${exported.opener}`,
      ]);
    });
}
