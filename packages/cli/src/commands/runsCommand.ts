import type { Command } from 'commander';
import { type CliContext, withReader, writeLines } from '../CliContext.js';
import { formatCalls, formatCount, formatDuration, formatTimestamp } from '../formatNumbers.js';
import { lostTracesLine } from '../lostTraces.js';
import type { RunMetadata } from '../readerTypes.js';
import { TextTable } from '../TextTable.js';
import { RUN_ID_CHARS, terminalText } from '../terminalText.js';
import { DEFAULT_DB } from './reportCommand.js';

/** Longest service name printed in the runs table. */
const SERVICE_WIDTH = 40;

/** `complete`, or `incomplete` with how the run ended when that is known. */
function runState(metadata: RunMetadata | undefined): string {
  if (metadata === undefined) return '';
  if (metadata.complete) return 'complete';
  if (metadata.endedAt === undefined) return 'incomplete (no end recorded)';
  const how =
    metadata.exitSignal ?? (metadata.exitCode === null ? undefined : `exit ${metadata.exitCode}`);
  return how === undefined ? 'incomplete' : `incomplete (${terminalText(how)})`;
}

interface RunsOptions {
  json?: boolean;
}

/**
 * `ferret runs [db]`: one line per run (process execution) in the database, oldest first.
 * `spans` counts stored spans of every name; `root calls` counts the calls that started a trace,
 * sampled or not: exact from the profiler's count records, or `≈` estimated without them.
 */
export function registerRunsCommand(program: Command, context: CliContext): void {
  program
    .command('runs')
    .description('list the runs (process executions) recorded in a span database, oldest first')
    .argument('[db]', 'path to a Ferret span database (SQLite file)', DEFAULT_DB)
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
      // Runs recorded by `ferret run` say whether they closed cleanly; others cannot tell.
      const withState = runs.some((run) => run.metadata !== undefined);
      const table = new TextTable([
        // Run ids and service names are data: escaped, and cut past a UUID's length.
        { header: 'run', align: 'left', maxWidth: RUN_ID_CHARS },
        { header: 'started (UTC)', align: 'left' },
        { header: 'duration', align: 'right' },
        { header: 'spans', align: 'right' },
        { header: 'root calls', align: 'right' },
        { header: 'service', align: 'left', maxWidth: SERVICE_WIDTH },
        ...(withState ? [{ header: 'state', align: 'left' as const }] : []),
      ]);
      for (const run of runs) {
        const incomplete = run.metadata?.complete === false;
        const calls = formatCalls(run.rootCalls, run.callsExact);
        table.addRow([
          run.runId,
          formatTimestamp(run.firstStartTime),
          formatDuration(run.lastEndTime - run.firstStartTime),
          formatCount(run.spanCount),
          incomplete && run.callsExact ? `≥${calls}` : calls,
          run.serviceName ?? '',
          ...(withState ? [runState(run.metadata)] : []),
        ]);
      }
      const lines = table.render((text) => context.palette.style('bold', text));
      if (runs.some((run) => run.metadata?.complete === false)) {
        lines.push(
          context.palette.style(
            'dim',
            'incomplete: the run did not close cleanly (killed, crashed or still running); its counts may be short of what happened (≥)',
          ),
        );
      }
      for (const run of runs) {
        const lost = lostTracesLine(run);
        if (lost !== undefined) {
          lines.push(
            context.palette.style('yellow', `${terminalText(run.runId, RUN_ID_CHARS)}: ${lost}`),
          );
        }
      }
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
