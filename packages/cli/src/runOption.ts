// `--run` of every reading command: what it accepts and how it is resolved, in one place (the
// reader's `resolveRunId()`, store-sqlite's runLookup.ts, does the lookup).
import { Option } from 'commander';
import { parseNonEmpty } from './optionParsers.js';
import type { SpanReader } from './readerTypes.js';

/** `--run <run>`; `purpose` completes "the run to …", `values` says what it accepts. */
export function runOption(
  purpose: string,
  values = 'a run id, any unique prefix of one, latest or previous (default: latest)',
): Option {
  return new Option('--run <run>', `the run to ${purpose}: ${values}`).argParser(parseNonEmpty);
}

/** `--run` as the user typed it (a prefix, `latest`, `previous`) → the run id, or the latest. */
export function resolveRun(reader: SpanReader, spec: string | undefined): string | undefined {
  return spec === undefined ? undefined : reader.resolveRunId(spec);
}
