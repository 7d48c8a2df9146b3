import type { TextSink } from './CliIo.js';
import type { Palette } from './Palette.js';
import type { SpanReader } from './readerTypes.js';

/** Opens a span database read-only; throws `FerretStoreError` for a missing or foreign file. */
export type OpenSpanReader = (path: string, options?: { queryTimeoutMs?: number }) => SpanReader;

/** What every command needs: resolved io, the colour decision and the way to open a database. */
export interface CliContext {
  stdout: TextSink;
  stderr: TextSink;
  palette: Palette;
  /** Whether stdout is a terminal (`ferret watch` redraws in place only then). */
  isTTY: boolean;
  /** Keyboard input, when there is one (`ferret watch` reads `q`). */
  stdin: NodeJS.ReadStream | undefined;
  openReader: () => Promise<OpenSpanReader>;
  /** The environment (`ferret run` passes it to the command). */
  env: Record<string, string | undefined>;
  /** Set by a command whose exit code is not simply success (`ferret run`: the command's). */
  exitCode?: number;
}

/** Opens `path`, runs `use`, and closes the reader whatever happens. */
export async function withReader<T>(
  context: CliContext,
  path: string,
  use: (reader: SpanReader) => T,
): Promise<T> {
  const open = await context.openReader();
  const reader = open(path);
  try {
    return use(reader);
  } finally {
    reader.close();
  }
}

/** Writes lines, each terminated by a newline, in one write call. */
export function writeLines(sink: TextSink, lines: readonly string[]): void {
  if (lines.length > 0) sink.write(`${lines.join('\n')}\n`);
}
