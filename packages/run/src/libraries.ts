import { createRequire } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { nameAnonymousHandler } from './fastifyHandlerName.js';
import type { LibraryName } from './RunSettings.js';
import { redisQueryText } from './redisQueryText.js';

const require = createRequire(import.meta.url);

/** How each library's instrumentation is found: its package, exported class and configuration. */
const INSTRUMENTATIONS: Record<
  LibraryName,
  { module: string; exportName: string; config?: object }
> = {
  http: { module: '@opentelemetry/instrumentation-http', exportName: 'HttpInstrumentation' },
  undici: {
    module: '@opentelemetry/instrumentation-undici',
    exportName: 'UndiciInstrumentation',
  },
  express: {
    module: '@opentelemetry/instrumentation-express',
    exportName: 'ExpressInstrumentation',
  },
  // Fastify's own instrumentation (OpenTelemetry's is deprecated and stops before fastify 5). It
  // patches nothing: with `registerOnInitialization` it registers its plugin on every fastify
  // instance through the `fastify.initialization` diagnostics channel, ESM or CommonJS alike.
  // Its `lifecycleHook` names an anonymous handler's span after the route.
  fastify: {
    module: '@fastify/otel',
    exportName: 'FastifyOtelInstrumentation',
    config: { registerOnInitialization: true, lifecycleHook: nameAnonymousHandler },
  },
  // The statement text keeps the command and its key, never a value (see redisQueryText).
  ioredis: {
    module: '@opentelemetry/instrumentation-ioredis',
    exportName: 'IORedisInstrumentation',
    config: { dbStatementSerializer: redisQueryText },
  },
  // The statement text as written, with its placeholders; parameter values are recorded only
  // with `enhancedDatabaseReporting`, which stays off.
  pg: {
    module: '@opentelemetry/instrumentation-pg',
    exportName: 'PgInstrumentation',
    config: { enhancedDatabaseReporting: false },
  },
  // `maskStatement`: the statement text is never formatted with the values, and its number and
  // quoted-string literals become `?`.
  mysql2: {
    module: '@opentelemetry/instrumentation-mysql2',
    exportName: 'MySQL2Instrumentation',
    config: { maskStatement: true },
  },
  // Its default statement text is the command document with every value replaced by `?`, as
  // long as `enhancedDatabaseReporting` stays off.
  mongodb: {
    module: '@opentelemetry/instrumentation-mongodb',
    exportName: 'MongoDBInstrumentation',
    config: { enhancedDatabaseReporting: false },
  },
};

/**
 * Modules whose ES-module imports the loader hook (import-in-the-middle) wraps, so that a library
 * the app `import`s is handed to its instrumentation as one it `require`s is (the instrumentations
 * hook `require` themselves). Fastify needs no entry: @fastify/otel registers through a
 * diagnostics channel.
 */
export const HOOKED_MODULES: Record<LibraryName, readonly string[]> = {
  http: ['http', 'https', 'node:http', 'node:https'],
  undici: ['undici'],
  express: ['express'],
  fastify: [],
  ioredis: ['ioredis'],
  pg: ['pg', 'pg-pool'],
  mysql2: ['mysql2'],
  mongodb: ['mongodb'],
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
    const { module, exportName, config } = INSTRUMENTATIONS[lib];
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
      instrumentations.push(new Instrumentation(config));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
      failures.push(`${lib} (${module}): ${reason}`);
    }
  }
  return { instrumentations, failures };
}
