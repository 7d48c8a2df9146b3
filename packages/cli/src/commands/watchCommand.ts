import { MAX_TIMER_MS } from '@ferret/internal';
import { type Command, Option } from 'commander';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { parsePositiveInteger } from '../optionParsers.js';
import type { SpanReader } from '../readerTypes.js';
import { resolveRun, runOption } from '../runOption.js';
import { renderWaitingFrame, renderWatchFrame } from '../watchView.js';
import { DEFAULT_DB } from './reportCommand.js';

interface WatchOptions {
  run?: string;
  window: number;
  top: number;
  interval: number;
  once?: boolean;
  frames?: number;
}

/** Switch to the alternate screen and hide the cursor; and back. */
const ENTER_SCREEN = '\u001b[?1049h\u001b[?25l';
const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l';
/** Cursor home, then each line erases its rest, then everything below the frame is erased. */
const HOME = '\u001b[H';
const ERASE_LINE_END = '\u001b[K';
const ERASE_BELOW = '\u001b[J';

function frameLines(
  context: CliContext,
  reader: SpanReader,
  db: string,
  options: WatchOptions,
  hint: string | undefined,
): string[] {
  const now = Date.now();
  // Only whole seconds: the current one is still being written.
  const windowEnd = Math.floor(now / 1000) * 1000;
  try {
    // Resolved on each frame: `latest` follows the runs that start while the view is open.
    const runId = resolveRun(reader, options.run);
    const activity = reader.recent({
      ...(runId === undefined ? {} : { runId }),
      windowMs: options.window * 1000,
      windowEnd,
    });
    return renderWatchFrame(
      activity,
      { db, top: options.top, ...(hint === undefined ? {} : { hint }) },
      context.palette,
    );
  } catch (error) {
    // A service that has not flushed its first spans yet: wait for it (an unknown --run fails).
    if ((error as { code?: unknown }).code === 'NO_RUNS') {
      return renderWaitingFrame(db, now, context.palette, hint);
    }
    throw error;
  }
}

/** Resolves when the user asks to stop: `q`, Ctrl-C (raw mode) or SIGINT/SIGTERM. */
function stopSignal(
  context: CliContext,
  raw: boolean,
): { stopped: Promise<void>; dispose(): void } {
  let resolveStop = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  const onSignal = () => resolveStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stdin = raw ? context.stdin : undefined;
  const onKey = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (text.includes('q') || text.includes('Q') || text.includes('\u0003')) resolveStop();
  };
  if (stdin !== undefined) {
    stdin.setRawMode?.(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  return {
    stopped,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (stdin !== undefined) {
        stdin.off('data', onKey);
        stdin.setRawMode?.(false);
        stdin.pause();
      }
    },
  };
}

async function watch(context: CliContext, db: string, options: WatchOptions): Promise<void> {
  const open = await context.openReader();
  const reader = open(db);
  try {
    if (options.once === true) {
      context.stdout.write(`${frameLines(context, reader, db, options, undefined).join('\n')}\n`);
      return;
    }
    const live = context.isTTY && context.stdin?.isTTY === true;
    const stop = stopSignal(context, live);
    let stopped = false;
    void stop.stopped.then(() => {
      stopped = true;
    });
    if (live) context.stdout.write(ENTER_SCREEN);
    try {
      for (let frame = 1; !stopped; frame++) {
        if (live) {
          const lines = frameLines(context, reader, db, options, 'q to quit');
          context.stdout.write(
            `${HOME}${lines.map((l) => l + ERASE_LINE_END).join('\n')}${ERASE_BELOW}`,
          );
        } else {
          const lines = frameLines(context, reader, db, options, undefined);
          context.stdout.write(`${frame > 1 ? '\n' : ''}${lines.join('\n')}\n`);
        }
        if (options.frames !== undefined && frame >= options.frames) break;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          stop.stopped,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, options.interval);
          }),
        ]);
        clearTimeout(timer);
      }
    } finally {
      if (live) context.stdout.write(LEAVE_SCREEN);
      stop.dispose();
    }
  } finally {
    reader.close();
  }
}

/** `ferret watch [db]`: a live view of a database that a running service writes. */
export function registerWatchCommand(program: Command, context: CliContext): void {
  program
    .command('watch')
    .description(
      'live view of a database a running service writes: per second, calls vs recorded vs dropped and spans stored; the top names by calls with p95 over the last seconds (q or Ctrl-C quits)',
    )
    .argument('[db]', 'path to a Ferret span database (SQLite file)', DEFAULT_DB)
    .addOption(
      runOption(
        'watch',
        'a run id, any unique prefix of one, latest (the default: follows new runs) or previous',
      ),
    )
    .addOption(
      new Option('--window <seconds>', 'seconds of history shown')
        .argParser(parsePositiveInteger)
        .default(10),
    )
    .addOption(new Option('--top <n>', 'names listed').argParser(parsePositiveInteger).default(10))
    .addOption(
      new Option('--interval <ms>', 'refresh interval in milliseconds')
        .argParser(parsePositiveInteger)
        .default(1000),
    )
    .option('--once', 'print one frame and exit')
    .addOption(
      new Option(
        '--frames <n>',
        'exit after this many frames (default: until q or Ctrl-C)',
      ).argParser(parsePositiveInteger),
    )
    .action(async (db: string, options: WatchOptions) => {
      if (options.window > 3600) {
        throw new CliError(
          `option '--window' must be at most 3600 seconds, got ${options.window}`,
          2,
        );
      }
      if (options.interval < 100 || options.interval > MAX_TIMER_MS) {
        throw new CliError(
          `option '--interval' must be 100 to ${MAX_TIMER_MS} ms (the longest Node.js timer), got ${options.interval}`,
          2,
        );
      }
      await watch(context, db, options);
    });
}
