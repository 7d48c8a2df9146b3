// Span attributes Ferret's OpenTelemetry pieces write and its store reads.

/**
 * Set by `ferret run`'s span processor on a root span whose name changed after it was sampled
 * (an HTTP server span is sampled and counted as `GET`, then named after its route, `GET /slow`):
 * the name its call was counted under. The reader groups roots by it to match them with their
 * count records.
 */
export const SAMPLED_NAME_ATTRIBUTE = 'ferret.sampled_name';
