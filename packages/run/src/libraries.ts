import { createRequire } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { LibraryName } from './RunSettings.js';

const require = createRequire(import.meta.url);

/** How each library's instrumentation is found: its package and exported class. */
const INSTRUMENTATIONS: Record<LibraryName, { module: string; exportName: string }> = {
  http: { module: '@opentelemetry/instrumentation-http', exportName: 'HttpInstrumentation' },
  undici: { module: '@opentelemetry/instrumentation-undici', exportName: 'UndiciInstrumentation' },
  express: {
    module: '@opentelemetry/instrumentation-express',
    exportName: 'ExpressInstrumentation',
  },
};

/** Modules whose ES-module imports the loader hook must wrap for these instrumentations. */
export const HOOKED_MODULES: Record<LibraryName, readonly string[]> = {
  http: ['http', 'https', 'node:http', 'node:https'],
  undici: ['undici'],
  express: ['express'],
};

/** The instrumentations that loaded, and a message per library that did not. */
export interface LoadedInstrumentations {
  instrumentations: Instrumentation[];
  failures: string[];
}

/**
 * Loads the instrumentation of each library, each on its own: one that is missing or throws
 * yields a message naming it, and the others still load. `load` is replaceable for tests.
 */
export function loadInstrumentations(
  libs: readonly LibraryName[],
  load: (module: string) => unknown = require,
): LoadedInstrumentations {
  const instrumentations: Instrumentation[] = [];
  const failures: string[] = [];
  for (const lib of libs) {
    const { module, exportName } = INSTRUMENTATIONS[lib];
    try {
      const exports = load(module) as Record<string, unknown>;
      const Instrumentation = exports[exportName] as
        | (new (
            config?: object,
          ) => Instrumentation)
        | undefined;
      if (typeof Instrumentation !== 'function') {
        throw new TypeError(`${module} has no ${exportName}`);
      }
      instrumentations.push(new Instrumentation());
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
      failures.push(`${lib} (${module}): ${reason}`);
    }
  }
  return { instrumentations, failures };
}
