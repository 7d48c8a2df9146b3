import { MAX_TIMER_MS, quoted, readEnvNumber } from '@ferret/internal';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { CliContext } from './CliContext.js';
import { CliError } from './CliError.js';
import type { CliIo } from './CliIo.js';
import { registerAnalyzeCommand } from './commands/analyzeCommand.js';
import { registerDiffCommand } from './commands/diffCommand.js';
import { registerExportCommand } from './commands/exportCommand.js';
import { registerReportCommand } from './commands/reportCommand.js';
import { registerRunCommand } from './commands/runCommand.js';
import { registerRunsCommand } from './commands/runsCommand.js';
import { registerWatchCommand } from './commands/watchCommand.js';
import { Palette } from './Palette.js';
import { terminalText } from './terminalText.js';
import { CLI_VERSION } from './version.js';

/** Exit codes: 0 success, 1 the command failed (bad file, unknown run…), 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Longest error message printed (messages quote run ids and names read from the file). */
const MAX_ERROR_CHARS = 1000;

/** The first line of an error message: the CLI prints one line per failure. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.trim() === '' ? 'unexpected error' : line.trim();
}

/**
 * The message of a failure as one safe line. The CLI's and the store's own errors are one line
 * by construction, so a line break in them comes from quoted data and is escaped; anything else
 * (a bug) is reduced to its first line.
 */
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const ours = error instanceof CliError || (error as Error | null)?.name === 'FerretStoreError';
  return terminalText(ours ? message.trim() : firstLine(message), MAX_ERROR_CHARS);
}

/** The value an argument parser refused last, kept to re-quote it in commander's message. */
interface Refused {
  value: string | undefined;
}

/**
 * Wraps every option and argument parser of `command` so that a refused value is remembered:
 * commander quotes it whole in its message (`argument '<value>' is invalid. <reason>`), and a
 * long value would push the reason past the printed length.
 */
function rememberRefusals(command: Command, refused: Refused): void {
  const parsers = [...command.options, ...command.registeredArguments];
  for (const target of parsers) {
    const parse = target.parseArg;
    if (parse === undefined) continue;
    target.parseArg = <T>(value: string, previous: T): T => {
      try {
        return parse.call(target, value, previous) as T;
      } catch (error) {
        if (error instanceof InvalidArgumentError) refused.value = value;
        throw error;
      }
    };
  }
}

/**
 * Commander's usage message as one line, with a refused value quoted as `quoted()` does
 * (escaped, cut to 64 characters) in place of commander's whole raw copy.
 */
function usageLine(error: CommanderError, refused: Refused): string {
  let message = error.message.replace(/^error: /, '');
  const value = refused.value;
  if (error.code === 'commander.invalidArgument' && value !== undefined) {
    const raw = `'${value}'`;
    const at = message.indexOf(raw);
    if (at !== -1) message = message.slice(0, at) + quoted(value) + message.slice(at + raw.length);
  }
  // Commander puts "(Did you mean …?)" on a second line: keep it, on the same line.
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function buildProgram(context: CliContext, refused: Refused): Command {
  const program = new Command('ferret')
    .description('Inspect Ferret span databases: list runs, summarise, show slow traces, export.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      // Errors are printed by runCli, once, with the `ferret:` prefix.
      outputError: () => {},
    })
    .exitOverride();
  registerRunsCommand(program, context);
  registerAnalyzeCommand(program, context);
  registerExportCommand(program, context);
  registerReportCommand(program, context);
  registerWatchCommand(program, context);
  registerRunCommand(program, context);
  registerDiffCommand(program, context);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: () => {},
    });
    command.showSuggestionAfterError(true);
    rememberRefusals(command, refused);
  }
  return program;
}

/** The variable that bounds each reader query of every command, in ms. */
const QUERY_TIMEOUT_ENV = 'FERRET_QUERY_TIMEOUT_MS';

/**
 * `FERRET_QUERY_TIMEOUT_MS`, when set and valid (a number > 0, at most 2³¹−1): the reader's
 * `queryTimeoutMs`. Malformed: one `FERRET_ENV` warning, and the reader's default.
 */
function queryTimeoutFromEnv(env: Record<string, string | undefined>): number | undefined {
  return readEnvNumber(
    env,
    QUERY_TIMEOUT_ENV,
    { min: 0, excludeMin: true, max: MAX_TIMER_MS },
    "the reader's default of 60000 ms",
  );
}

/** How the CLI reaches the store; replaced in tests. */
export interface CliDependencies {
  openReader: CliContext['openReader'];
}

/**
 * Runs the CLI once and returns the exit code. Every failure (commander usage errors, store
 * errors, anything unexpected) is reported as one `ferret: …` line on stderr; `FERRET_DEBUG=1`
 * adds the stack trace for bug reports.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  dependencies: CliDependencies,
): Promise<number> {
  const env = io.env ?? {};
  const context: CliContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    palette: Palette.forOutput(io.isTTY === true, env),
    isTTY: io.isTTY === true,
    stdin: io.stdin,
    openReader: async () => {
      const open = await dependencies.openReader();
      const queryTimeoutMs = queryTimeoutFromEnv(env);
      return queryTimeoutMs === undefined ? open : (path) => open(path, { queryTimeoutMs });
    },
    env,
  };
  const refused: Refused = { value: undefined };
  const program = buildProgram(context, refused);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode ?? EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version and bare `ferret` (help on stderr) end parsing with an "error" too.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      }
      io.stderr.write(`ferret: ${terminalText(usageLine(error, refused), MAX_ERROR_CHARS)}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`ferret: ${errorLine(error)}\n`);
    const debug = env.FERRET_DEBUG;
    if (debug !== undefined && debug !== '' && debug !== '0' && error instanceof Error) {
      io.stderr.write(`${error.stack ?? ''}\n`);
    }
    // Only commander judges usage (exit 2), before any file is read. Whatever fails later (a
    // missing or damaged file, an unknown run, a bug) is a failed command.
    if (error instanceof CliError) return error.exitCode;
    return EXIT_FAILURE;
  }
}
