import { packageVersion } from '@ferret/internal';

/** The CLI's version, printed by `ferret --version` and written into exported files. */
export const CLI_VERSION: string = packageVersion(import.meta.url);
