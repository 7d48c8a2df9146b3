import type { OpenSpanReader } from './CliContext.js';
import type { CliIo } from './CliIo.js';
import { runCli } from './program.js';

// Loaded on first use so that `--help` and usage errors never pay for opening SQLite.
async function loadOpenSpanReader(): Promise<OpenSpanReader> {
  const { openSpanReader } = await import('@ferret/store-sqlite');
  return openSpanReader;
}

let stdoutGuarded = false;

/**
 * `ferret analyze db | head` closes the pipe early: that is not a crash. Other write errors on
 * stdout become one line on stderr and exit code 1, like every other failure.
 */
function guardProcessStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return;
    process.stderr.write(`ferret: cannot write to standard output: ${error.message}\n`);
    process.exitCode = 1;
  });
}

/**
 * Runs the `ferret` command line with `argv` (the arguments after the program name) and resolves
 * to the process exit code. Never throws and never calls `process.exit`: output goes to
 * `io.stdout`/`io.stderr` (default: the process streams), errors become one line on stderr.
 *
 * @example
 * ```ts
 * import { main } from '@ferret/cli';
 * process.exitCode = await main(['analyze', 'ferret.db', '--sort', 'p99']);
 * ```
 */
export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  if (io?.stdout === undefined) guardProcessStdout();
  return runCli(
    argv,
    {
      stdout,
      stderr: io?.stderr ?? process.stderr,
      isTTY: io?.isTTY ?? (io?.stdout === undefined ? process.stdout.isTTY === true : false),
      env: io?.env ?? process.env,
      stdin: io?.stdin ?? (io?.stdout === undefined ? process.stdin : undefined),
    },
    { openReader: loadOpenSpanReader },
  );
}
