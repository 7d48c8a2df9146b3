import type { Command } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCount, formatDuration, formatTimestamp } from '../formatNumbers.js';
import { TextTable } from '../TextTable.js';

interface RunsOptions {
  json?: boolean;
}

/** `ferret runs <db>`: one line per run (process execution) in the database, oldest first. */
export function registerRunsCommand(program: Command, context: CliContext): void {
  program
    .command('runs')
    .description('list the runs (process executions) recorded in a span database, oldest first')
    .argument('<db>', 'path to a Ferret span database (SQLite file)')
    .option('--json', 'print the runs as a JSON array')
    .action(async (db: string, options: RunsOptions) => {
      const runs = await withReader(context, db, (reader) => reader.runs());
      if (options.json === true) {
        context.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        return;
      }
      if (runs.length === 0) {
        writeLines(context.stdout, [`No runs recorded in ${db}.`]);
        return;
      }
      const table = new TextTable([
        { header: 'run', align: 'left' },
        { header: 'started (UTC)', align: 'left' },
        { header: 'duration', align: 'right' },
        { header: 'spans', align: 'right' },
        { header: 'calls', align: 'right' },
        { header: 'service', align: 'left' },
      ]);
      for (const run of runs) {
        table.addRow([
          run.runId,
          formatTimestamp(run.firstStartTime),
          formatDuration(run.lastEndTime - run.firstStartTime),
          formatCount(run.spanCount),
          formatCount(run.calls),
          run.serviceName ?? '',
        ]);
      }
      writeLines(
        context.stdout,
        table.render((text) => context.palette.style('bold', text)),
      );
    });
}
