// Bounds of the span reader's calls that the cli checks as usage errors before opening a file.

/** Most traces one `slowestTraces()` call (`ferret analyze --tree --limit`) returns. */
export const MAX_TRACE_LIMIT = 10_000;
