/** What went wrong in the bridge (never the application's own errors). */
export type OtelBridgeErrorCode =
  | 'EXPORTER_CONSTRUCTOR' // the exporter factory threw: spans are dropped and counted
  | 'EXPORT_FAILED' // the exporter reported FAILED (or threw): that batch was not delivered
  | 'EXPORTS_BUSY' // `maxConcurrentExports` exports were unfinished: the batch was dropped
  | 'MALFORMED_RECORD' // a span record with unusable ids or times was skipped
  | 'METRICS'; // the metrics SDK refused the `ferret.calls` update

/**
 * An internal failure of the bridge, handed to the `onError` option (by default printed once per
 * code with `process.emitWarning`). The exporter's own error, if any, is in `cause`.
 */
export class OtelBridgeError extends Error {
  override readonly name = 'OtelBridgeError';
  readonly code: OtelBridgeErrorCode;

  constructor(code: OtelBridgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The default `onError`: one `process.emitWarning` per error code and reporter. */
export function warnOncePerCode(): (error: OtelBridgeError) => void {
  const warned = new Set<string>();
  return (error) => {
    if (warned.has(error.code)) return;
    warned.add(error.code);
    process.emitWarning(error.message, { type: 'FerretWarning', code: `FERRET_${error.code}` });
  };
}

/** `error.message`, or a placeholder when even that throws. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return '(unprintable error)';
  }
}
