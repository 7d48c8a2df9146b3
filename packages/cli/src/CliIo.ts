/** Something text can be written to: `process.stdout`, a test buffer. */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * Where the CLI reads its environment and writes its output. `main()` defaults every field to the
 * real process, so tests can run the whole CLI in-process with captured streams.
 */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** Whether stdout is a terminal; colour is only used on a terminal. Default `process.stdout.isTTY`. */
  isTTY?: boolean | undefined;
  /** Environment variables (`NO_COLOR`, `FERRET_DEBUG`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Keyboard input for `ferret watch` on a terminal (`q` quits). Default: `process.stdin` when stdout is the process's. */
  stdin?: NodeJS.ReadStream | undefined;
}
