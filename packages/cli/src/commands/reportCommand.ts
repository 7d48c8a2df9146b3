import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCount } from '../formatNumbers.js';
import { lostTracesLine } from '../lostTraces.js';
import { parseNonEmpty } from '../optionParsers.js';
import { assertOutputPath, STANDARD_OUTPUT, writeFileAtomically } from '../outputFile.js';
import { renderReportHtml } from '../report/renderReportHtml.js';
import { loadReportAssets } from '../report/reportAssets.js';
import { toReportData } from '../report/toReportData.js';
import { resolveRun, runOption } from '../runOption.js';
import { terminalText } from '../terminalText.js';

interface ReportOptions {
  run?: string;
  output: string;
  force?: boolean;
}

/**
 * The database the reading commands (runs, analyze, export, report, watch) read when none is
 * named: the one `ferret run` writes by default.
 */
export const DEFAULT_DB = 'ferret.db';

/** `ferret report [db] [-o report.html|-] [--run RUN]`: one self-contained HTML page for a run. */
export function registerReportCommand(program: Command, context: CliContext): void {
  program
    .command('report')
    .description(
      'write one self-contained HTML page for a run: summary table, whole-run flame graph, calls vs recorded vs dropped per second, latency histograms, slowest traces',
    )
    .argument('[db]', 'path to a Ferret span database (SQLite file)', DEFAULT_DB)
    .addOption(runOption('report on'))
    .addOption(
      new Option('-o, --output <file>', 'the HTML file to write (- for standard output)')
        .argParser(parseNonEmpty)
        .default('report.html'),
    )
    .option(
      '--force',
      'replace an existing output file (never a database: those are refused whatever the flags)',
    )
    .action(async (db: string, options: ReportOptions) => {
      const { FERRET_APPLICATION_ID } = await import('@ferret/store-sqlite');
      assertOutputPath(options.output, {
        force: options.force === true,
        database: db,
        ferretApplicationId: FERRET_APPLICATION_ID,
      });
      // Assets next: a broken installation fails before the database is read.
      const assets = loadReportAssets();
      const profile = await withReader(context, db, (reader) => {
        const runId = resolveRun(reader, options.run);
        return reader.profile(runId === undefined ? {} : { runId });
      });
      const data = toReportData(profile, { file: db, generatedAt: new Date() });
      const html = renderReportHtml(data, assets);
      if (options.output === STANDARD_OUTPUT) {
        context.stdout.write(html);
        return;
      }
      writeFileAtomically(options.output, html);
      const kib = Buffer.byteLength(html) / 1024;
      const lost = lostTracesLine(profile.run);
      writeLines(context.stdout, [
        `Wrote the report of run ${data.run.runId} (${formatCount(profile.run.spanCount)} spans, ` +
          `${formatCount(profile.summary.length)} names, ${formatCount(kib)} KiB) to ${terminalText(resolve(options.output))}; open it in a browser`,
        ...(lost === undefined ? [] : [context.palette.style('yellow', lost)]),
      ]);
    });
}
