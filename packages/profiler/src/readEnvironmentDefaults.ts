import { readEnvBoolean, readEnvNumber } from '@ferret/internal';

/** Defaults read from the environment. */
export interface EnvironmentDefaultValues {
  /** From `FERRET_MAX_SPANS_PER_SECOND`, when set and well-formed. */
  maxSpansPerSecond?: number;
  /** From `FERRET_ENABLED`, when set and well-formed. */
  enabled?: boolean;
}

/**
 * Reads `FERRET_MAX_SPANS_PER_SECOND` (a number >= 0, or `Infinity`) and `FERRET_ENABLED`
 * (`true/false/1/0/yes/no/on/off`, any case). A malformed value must not take a service down:
 * it is ignored, with one warning per variable per process naming it (code `FERRET_ENV`), and
 * the built-in default applies. Explicit constructor options win over both.
 * @param env Default `process.env`.
 */
export function readEnvironmentDefaults(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentDefaultValues {
  const values: EnvironmentDefaultValues = {};
  const rate = readEnvNumber(
    env,
    'FERRET_MAX_SPANS_PER_SECOND',
    { min: 0, allowInfinity: true },
    'the default',
  );
  if (rate !== undefined) values.maxSpansPerSecond = rate;
  const enabled = readEnvBoolean(env, 'FERRET_ENABLED', 'the default');
  if (enabled !== undefined) values.enabled = enabled;
  return values;
}
