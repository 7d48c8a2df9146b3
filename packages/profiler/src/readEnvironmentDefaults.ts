import { quoted } from '@ferret/ratelimit/options';
/** Defaults read from the environment. */
export interface EnvironmentDefaultValues {
  /** From `FERRET_MAX_SPANS_PER_SECOND`, when set and well-formed. */
  maxSpansPerSecond?: number;
  /** From `FERRET_ENABLED`, when set and well-formed. */
  enabled?: boolean;
}

const warned = new Set<string>();

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/**
 * Reads `FERRET_MAX_SPANS_PER_SECOND` (a number >= 0, or `Infinity`) and `FERRET_ENABLED`
 * (`true/false/1/0/yes/no/on/off`, any case). A malformed value must not take a service down:
 * it is ignored, with one warning per variable per process naming it, and the built-in default
 * applies. Explicit constructor options win over both.
 * @param env Default `process.env`.
 */
export function readEnvironmentDefaults(
  env: NodeJS.ProcessEnv = process.env,
): EnvironmentDefaultValues {
  const values: EnvironmentDefaultValues = {};
  const rate = env.FERRET_MAX_SPANS_PER_SECOND;
  if (rate !== undefined && rate.trim() !== '') {
    const parsed = parseRate(rate.trim());
    if (parsed === undefined) {
      warnOnce(
        'FERRET_MAX_SPANS_PER_SECOND',
        `Ignoring FERRET_MAX_SPANS_PER_SECOND=${quoted(rate)}: expected a number >= 0 or "Infinity"; using the default`,
      );
    } else {
      values.maxSpansPerSecond = parsed;
    }
  }
  const enabled = env.FERRET_ENABLED;
  if (enabled !== undefined && enabled.trim() !== '') {
    const word = enabled.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) values.enabled = true;
    else if (FALSE_WORDS.has(word)) values.enabled = false;
    else {
      warnOnce(
        'FERRET_ENABLED',
        `Ignoring FERRET_ENABLED=${quoted(enabled)}: expected true/false/1/0/yes/no/on/off; using the default`,
      );
    }
  }
  return values;
}

function parseRate(text: string): number | undefined {
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (!/^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function warnOnce(variable: string, message: string): void {
  if (warned.has(variable)) return;
  warned.add(variable);
  process.emitWarning(message, { code: 'FERRET_ENV' });
}
