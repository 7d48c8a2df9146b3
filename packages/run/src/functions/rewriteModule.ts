import type { FunctionFilter } from './FunctionFilter.js';
import type { FunctionInstrumenter } from './FunctionInstrumenter.js';

/** What the two hooks (ES modules, CommonJS) share: the filter, the instrumenter, the warning. */
export interface ModuleRewriter {
  filter: FunctionFilter;
  instrumenter: FunctionInstrumenter;
  /** Called once per file the instrumenter refused (the original then runs). */
  warn: (message: string) => void;
}

/**
 * The instrumented code of the module at `path`, or undefined to run `source` as it is (the file
 * does not match, has nothing to wrap, or could not be instrumented: then one warning).
 * @internal
 */
export function rewriteModule(
  rewriter: ModuleRewriter,
  path: string,
  source: string,
  sourceType: 'module' | 'commonjs',
): string | undefined {
  const displayName = rewriter.filter.displayName(path);
  if (displayName === undefined) return undefined;
  const result = rewriter.instrumenter.instrument(source, { path, displayName, sourceType });
  if (result.kind === 'instrumented') return result.code;
  if (result.kind === 'failed') {
    rewriter.warn(`ferret: --functions left ${displayName} unchanged: ${result.reason}`);
  }
  return undefined;
}
