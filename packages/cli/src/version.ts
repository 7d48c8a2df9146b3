import { createRequire } from 'node:module';

// `../package.json` resolves to the package root from both src/ (tests) and dist/ (installed).
const manifest = createRequire(import.meta.url)('../package.json') as { version: string };

/** The CLI's version, printed by `ferret --version` and written into exported files. */
export const CLI_VERSION: string = manifest.version;
