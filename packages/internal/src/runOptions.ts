import type { NumberRange } from './environment.js';

// The ranges `ferret run`'s flags (cli) and the preload's environment variables (@ferret/run)
// share, so a value one accepts the other accepts too.

/** The budget's range: spans per second >= 0, or `Infinity` (record every span). */
export const RUN_BUDGET_RANGE: NumberRange = { min: 0, allowInfinity: true };

/** Longest run id accepted (`--run-id`, `FERRET_RUN_ID`). */
export const MAX_RUN_ID_LENGTH = 256;
