import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCount } from '../formatNumbers.js';
import { parseNonEmpty } from '../optionParsers.js';
import { assertOutputPath, writeFileAtomically } from '../outputFile.js';
import { toSpeedscope } from '../speedscope.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';
import { CLI_VERSION } from '../version.js';

interface ExportOptions {
  format: 'speedscope';
  run?: string;
  output?: string;
  force?: boolean;
}

/** `ferret export <db> --format speedscope [--run ID] [-o file]`. */
export function registerExportCommand(program: Command, context: CliContext): void {
  program
    .command('export')
    .description(
      'export one run to a file another tool opens (speedscope: https://www.speedscope.app)',
    )
    .argument('<db>', 'path to a Ferret span database (SQLite file)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['speedscope'])
        .default('speedscope'),
    )
    .addOption(
      new Option('--run <id>', 'the run to export (default: the latest run)').argParser(
        parseNonEmpty,
      ),
    )
    .addOption(
      new Option('-o, --output <file>', 'file to write (default: standard output)').argParser(
        parseNonEmpty,
      ),
    )
    .option(
      '--force',
      'replace an existing output file (never a database: those are refused whatever the flags)',
    )
    .action(async (db: string, options: ExportOptions) => {
      if (options.output !== undefined) {
        const { FERRET_APPLICATION_ID } = await import('@ferret/store-sqlite');
        assertOutputPath(options.output, {
          force: options.force === true,
          database: db,
          ferretApplicationId: FERRET_APPLICATION_ID,
        });
      }
      const { file, runId, spanCount, traceCount } = await withReader(context, db, (reader) => {
        // The reader checks the run when spans() is called: an unknown run or an empty database
        // fails with the store's own one-line message, worded as for `ferret analyze`. The run id
        // read back is only a label: a damaged file must fail in the reader, not as bad usage.
        const runId = String(options.run ?? reader.latestRunId() ?? '');
        const spans = reader.spans(options.run === undefined ? {} : { runId: options.run });
        let spanCount = 0;
        const traceIds = new Set<string>();
        const counted = (function* () {
          for (const span of spans) {
            spanCount += 1;
            traceIds.add(span.traceId);
            yield span;
          }
        })();
        const file = toSpeedscope(counted, {
          name: `ferret ${runId}`,
          exporter: `@ferret/cli@${CLI_VERSION}`,
        });
        return { file, runId, spanCount, traceCount: traceIds.size };
      });
      const json = JSON.stringify(file);
      if (options.output === undefined) {
        context.stdout.write(`${json}\n`);
        return;
      }
      writeFileAtomically(options.output, json);
      writeLines(context.stdout, [
        `Wrote ${formatCount(spanCount)} spans in ${formatCount(traceCount)} traces of run ${terminalText(runId, RUN_ID_CHARS)} ` +
          `(${formatCount(file.profiles.length)} profiles) to ${terminalText(options.output)}; open it at https://www.speedscope.app`,
      ]);
    });
}
