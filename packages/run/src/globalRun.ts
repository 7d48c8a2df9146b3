import { Profiler } from '@ferret/profiler';
import { FerretRun } from './FerretRun.js';
import { readRunSettings } from './RunSettings.js';

// On globalThis under a registered symbol, so that the ES-module and CommonJS copies of this
// package (the preload is imported, app code may require) see the same run.
const KEY = Symbol.for('@ferret/run');

interface Holder {
  run?: FerretRun;
  disabled?: Profiler;
}

function holder(): Holder {
  const global = globalThis as { [KEY]?: Holder };
  global[KEY] ??= {};
  return global[KEY];
}

/**
 * Starts Ferret for this process from the environment (`FERRET_DB`, `FERRET_MAX_SPANS_PER_SECOND`,
 * `FERRET_RUN_ID`, `FERRET_LIBS`), once: later calls return the same run.
 * `@ferret/run/register` calls it. Never throws.
 */
export function startRun(): FerretRun {
  const h = holder();
  h.run ??= FerretRun.start(readRunSettings());
  return h.run;
}

/** The run started in this process, if any. */
export function currentRun(): FerretRun | undefined {
  return holder().run;
}

/**
 * The profiler of this process's run, for `measure()` blocks in app code. Without the preload
 * (or when the database could not be written) a disabled profiler: every call passes through.
 *
 * @example
 * ```ts
 * import { getProfiler } from '@ferret/run';
 * const rows = await getProfiler().measure('load orders', () => db.query(sql));
 * ```
 */
export function getProfiler(): Profiler {
  const h = holder();
  if (h.run !== undefined) return h.run.profiler;
  h.disabled ??= new Profiler({ enabled: false });
  return h.disabled;
}
