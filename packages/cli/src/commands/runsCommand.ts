import type { Command } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCalls, formatCount, formatDuration, formatTimestamp } from '../formatNumbers.js';
import { TextTable } from '../TextTable.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';

/** Longest service name printed in the runs table. */
const SERVICE_WIDTH = 40;

interface RunsOptions {
  json?: boolean;
}

/**
 * `ferret runs <db>`: one line per run (process execution) in the database, oldest first.
 * `spans` counts stored spans of every name; `root calls` counts the calls that started a trace,
 * sampled or not: exact from the profiler's count records, or `≈` estimated without them.
 */
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
        writeLines(context.stdout, [`No runs recorded in ${terminalText(db)}.`]);
        return;
      }
      const table = new TextTable([
        // Run ids and service names are data: escaped, and cut past a UUID's length.
        { header: 'run', align: 'left', maxWidth: RUN_ID_CHARS },
        { header: 'started (UTC)', align: 'left' },
        { header: 'duration', align: 'right' },
        { header: 'spans', align: 'right' },
        { header: 'root calls', align: 'right' },
        { header: 'service', align: 'left', maxWidth: SERVICE_WIDTH },
      ]);
      for (const run of runs) {
        table.addRow([
          run.runId,
          formatTimestamp(run.firstStartTime),
          formatDuration(run.lastEndTime - run.firstStartTime),
          formatCount(run.spanCount),
          formatCalls(run.rootCalls, run.callsExact),
          run.serviceName ?? '',
        ]);
      }
      const lines = table.render((text) => context.palette.style('bold', text));
      if (runs.some((run) => !run.callsExact)) {
        lines.push(
          context.palette.style(
            'dim',
            '≈ root calls are estimated from the stored root spans and their sampling weights (the run has no count records)',
          ),
        );
      }
      writeLines(context.stdout, lines);
    });
}
