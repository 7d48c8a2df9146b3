/**
 * A failure the CLI reports as one line on stderr (exit code 1), never with a stack trace.
 * Store problems arrive as `FerretStoreError` and are reported the same way.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The process exit code to return. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
