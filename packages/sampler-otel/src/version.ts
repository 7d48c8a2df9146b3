import { packageVersion } from '@ferret/internal';

/** This package's version: the instrumentation scope version of the decisions meter. */
export const VERSION: string = packageVersion(import.meta.url);
