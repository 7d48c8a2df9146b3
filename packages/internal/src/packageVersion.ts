import { createRequire } from 'node:module';

/**
 * The `version` of the package whose module is at `moduleUrl` (pass `import.meta.url`). Every
 * Ferret module, in `src/` and in `dist/`, sits one folder below its package root, so
 * `../package.json` is the package's own manifest. `'0.0.0'` if it cannot be read.
 */
export function packageVersion(moduleUrl: string): string {
  try {
    const manifest = createRequire(moduleUrl)('../package.json') as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
