import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  fileChange,
  fileIdentity,
  LIBRARY_WORDS,
  MAX_RUN_ID_LENGTH,
  MAX_TEXT_SETTING_LENGTH,
  parseLibraries,
  parseNumber,
  quoted,
  RUN_BUDGET_RANGE,
  readEnvString,
  textSettingProblem,
} from '@ferret/internal';
import { MAX_STALL_THRESHOLD_MS } from '@ferret/profiler';
import type { RunLog } from '@ferret/store-sqlite';
import { type Command, InvalidArgumentError } from 'commander';
import { type CliContext, withReader } from '../CliContext.js';
import { terminalText } from '../terminalText.js';
import { analyzeSummary } from './analyzeCommand.js';

/** Exit code of a command that is not found, as a shell reports it. */
export const EXIT_NOT_FOUND = 127;
/** Exit code of a command that is found but cannot be executed. */
export const EXIT_NOT_EXECUTABLE = 126;

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface RunOptions {
  db?: string;
  budget?: number;
  runId?: string;
  libs: string | boolean;
  functions?: string;
  stall?: number;
  quiet?: boolean;
}

function parseBudget(value: string): number {
  const number = parseNumber(value.trim(), RUN_BUDGET_RANGE);
  if (number === undefined) {
    throw new InvalidArgumentError(
      `Expected a number of spans per second >= 0 (or Infinity), got ${quoted(value)}.`,
    );
  }
  return number;
}

/** `--db`, `--functions`: a path or glob, refused when blank, over-long or holding control characters. */
function parseTextSetting(what: string, maxLength = MAX_TEXT_SETTING_LENGTH) {
  return (value: string): string => {
    const problem = textSettingProblem(value, maxLength);
    if (problem !== undefined) {
      throw new InvalidArgumentError(
        `Expected ${what} of at most ${maxLength} characters without control characters, but ${problem}.`,
      );
    }
    return value;
  };
}

function parseStall(value: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(number >= 1) || number > MAX_STALL_THRESHOLD_MS) {
    throw new InvalidArgumentError(
      `Expected a number of milliseconds from 1 to ${MAX_STALL_THRESHOLD_MS}, got ${quoted(value)}.`,
    );
  }
  return number;
}

/** `--libs`: `all`, `none` or a list of known libraries, as the preload reads `FERRET_LIBS`. */
function parseLibs(value: string): string {
  const words = value
    .split(',')
    .map((word) => word.trim().toLowerCase())
    .filter((word) => word !== '');
  if (words.length === 0 || parseLibraries(value).unknown.length > 0) {
    throw new InvalidArgumentError(
      `Expected a comma-separated list of ${LIBRARY_WORDS.join(', ')}, or all/none, got ${quoted(value)}.`,
    );
  }
  return words.join(',');
}

/** A path or id variable, through the one env reader (warns once and returns `fallback` when malformed). */
function readTextVariable(
  env: Record<string, string | undefined>,
  name: string,
  what: string,
  fallback: { value: string; said: string },
  maxLength = MAX_TEXT_SETTING_LENGTH,
): string {
  return (
    readEnvString(
      env,
      name,
      (value) => textSettingProblem(value, maxLength) === undefined,
      `${what}: text of at most ${maxLength} characters without control characters`,
      fallback.said,
    ) ?? fallback.value
  );
}

/** The preload's file URL: `dist/register.js` of the installed `@ferret/run`. */
function registerModuleUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@ferret/run/package.json');
  return pathToFileURL(join(dirname(packageJson), 'dist', 'register.js')).href;
}

/**
 * `ferret run [options] -- <command…>`: runs the command with Ferret's preload injected through
 * `NODE_OPTIONS=--import …` (so every Node process it starts is profiled into the same run),
 * forwards SIGINT/SIGTERM/SIGHUP to it, exits with its exit code (128 + the signal's number when a
 * signal ended it), and prints the `ferret analyze` summary of the run afterwards.
 */
export function registerRunCommand(program: Command, context: CliContext): void {
  program
    .command('run')
    .description(
      'run a command with Ferret preloaded into every Node process it starts, then summarise the run',
    )
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the command to run and its arguments')
    .option(
      '--db <path>',
      'span database to write (default: $FERRET_DB or ferret.db)',
      parseTextSetting('a file path'),
    )
    .option(
      '--budget <n>',
      'spans per second for measure() and library spans together (default: $FERRET_MAX_SPANS_PER_SECOND or 1000)',
      parseBudget,
    )
    .option(
      '--run-id <id>',
      'id of the run (default: $FERRET_RUN_ID or a new UUID)',
      parseTextSetting('an id', MAX_RUN_ID_LENGTH),
    )
    .option(
      '--libs <list>',
      `libraries to instrument, comma-separated: ${LIBRARY_WORDS.join(',')} (default: all)`,
      parseLibs,
    )
    .option('--no-libs', 'instrument no library: only measure() blocks are recorded')
    .option(
      '--functions <glob>',
      "record the functions of matching files as spans (e.g. 'src/**'; never node_modules)",
      parseTextSetting('a glob'),
    )
    .option(
      '--stall <ms>',
      'record a ferret.stall span whenever the event loop is blocked longer than this (default: $FERRET_STALL_MS, else off)',
      parseStall,
    )
    .option('--quiet', 'do not print the summary after the command ends')
    .action(async (command: string[], options: RunOptions) => {
      const env = { ...context.env };
      // The same readers as the preload's: a malformed variable warns once and the default applies.
      const db = resolve(
        options.db ??
          readTextVariable(env, 'FERRET_DB', 'a file path', {
            value: 'ferret.db',
            said: 'ferret.db',
          }),
      );
      const runId =
        options.runId ??
        readTextVariable(
          env,
          'FERRET_RUN_ID',
          'an id',
          { value: randomUUID(), said: 'a new run id' },
          MAX_RUN_ID_LENGTH,
        );
      const { RunLog } = await import('@ferret/store-sqlite');
      const log = new RunLog(db);
      let profiling = true;
      try {
        log.runStarted({ runId, command: command.join(' '), startedAt: Date.now() });
      } catch (error) {
        profiling = false;
        const reason = error instanceof Error ? error.message : String(error);
        context.stderr.write(
          `ferret: running without profiling: ${terminalText(reason.split('\n', 1)[0])}\n`,
        );
      }
      // The file the run writes: one deleted or replaced while the command ran is left alone.
      const identity = profiling ? fileIdentity(db) : undefined;
      if (profiling) {
        env.NODE_OPTIONS = [env.NODE_OPTIONS, `--import=${registerModuleUrl()}`]
          .filter((part) => part !== undefined && part.trim() !== '')
          .join(' ');
        env.FERRET_DB = db;
        env.FERRET_RUN_ID = runId;
        env.FERRET_RUN_OWNER_PID = String(process.pid);
        if (options.budget !== undefined) env.FERRET_MAX_SPANS_PER_SECOND = String(options.budget);
        if (options.libs === false) env.FERRET_LIBS = 'none';
        else if (typeof options.libs === 'string') env.FERRET_LIBS = options.libs;
        if (options.functions !== undefined) env.FERRET_FUNCTIONS = options.functions;
        if (options.stall !== undefined) env.FERRET_STALL_MS = String(options.stall);
      }
      const outcome = await runChild(command, env);
      if (outcome.kind === 'not-started') {
        context.stderr.write(`ferret: ${terminalText(outcome.message)}\n`);
        context.exitCode = outcome.exitCode;
        if (profiling) recordEnd(log, runId, outcome.exitCode, null, context);
        return;
      }
      context.exitCode = exitCodeOf(outcome.code, outcome.signal);
      const change = identity && fileChange(db, identity);
      if (change !== undefined) {
        context.stderr.write(
          `ferret: ${terminalText(db)} was ${change === 'deleted' ? 'deleted' : 'replaced by another file'} during the run: the spans recorded before went with it, and the end of the run is not recorded\n`,
        );
        return;
      }
      if (profiling) recordEnd(log, runId, outcome.code, outcome.signal, context);
      if (!profiling || options.quiet === true) return;
      try {
        await withReader(context, db, (reader) =>
          analyzeSummary(context, db, reader, { run: runId, sort: 'total' }),
        );
      } catch (error) {
        // The command's exit code stands; the summary is a courtesy.
        const reason = error instanceof Error ? error.message : String(error);
        context.stderr.write(`ferret: no summary: ${terminalText(reason.split('\n', 1)[0])}\n`);
      }
    });
}

type ChildOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'not-started'; message: string; exitCode: number };

function runChild(
  command: string[],
  env: Record<string, string | undefined>,
): Promise<ChildOutcome> {
  return new Promise((resolveOutcome) => {
    const [file, ...args] = command as [string, ...string[]];
    let child: ChildProcess;
    const forward = new Map<string, () => void>();
    const stopForwarding = (): void => {
      for (const [signal, listener] of forward) process.removeListener(signal, listener);
    };
    try {
      child = spawn(file, args, { stdio: 'inherit', env });
    } catch (error) {
      resolveOutcome({ kind: 'not-started', message: String(error), exitCode: 1 });
      return;
    }
    for (const signal of FORWARDED_SIGNALS) {
      // While the command runs, a signal to `ferret run` is the command's to handle.
      const listener = (): void => {
        child.kill(signal);
      };
      forward.set(signal, listener);
      process.on(signal, listener);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      if (error.code === 'ENOENT') {
        resolveOutcome({
          kind: 'not-started',
          message: `${file}: command not found`,
          exitCode: EXIT_NOT_FOUND,
        });
      } else if (error.code === 'EACCES') {
        resolveOutcome({
          kind: 'not-started',
          message: `${file}: permission denied`,
          exitCode: EXIT_NOT_EXECUTABLE,
        });
      } else {
        resolveOutcome({
          kind: 'not-started',
          message: `${file}: cannot run (${error.message})`,
          exitCode: 1,
        });
      }
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      resolveOutcome({ kind: 'exited', code, signal });
    });
  });
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return number === undefined ? 1 : 128 + number;
}

function recordEnd(
  log: RunLog,
  runId: string,
  exitCode: number | null,
  exitSignal: string | null,
  context: CliContext,
): void {
  try {
    log.runEnded({ runId, endedAt: Date.now(), exitCode, exitSignal });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.stderr.write(`ferret: cannot record the end of the run: ${terminalText(reason)}\n`);
  }
}
