/**
 * Plumbing shared by every Ferret package: option checks, the bounded form of client keys, the environment reader, the warn-once
 * reporter, the process-exit registry, file identity (deleted or replaced files), the package version, and the tracestate codecs
 * (OpenTelemetry's `ot` entry, Ferret's `ferret=p:` weight), and the libraries `ferret run` knows. Private: tsup bundles it into
 * each package, so no published package depends on it.
 * @packageDocumentation
 */

export { assertKeyLengthBound, boundedKey, DEFAULT_MAX_KEY_LENGTH } from './boundedKey.js';
export { assertTakeCount, checkRateAndCapacity } from './bucketChecks.js';
export {
  describeRange,
  ENV_WARNING_CODE,
  type Environment,
  type NumberRange,
  parseNumber,
  readEnvBoolean,
  readEnvNumber,
  readEnvString,
} from './environment.js';
export { type FileIdentity, fileChange, fileIdentity } from './fileIdentity.js';
export {
  KNOWN_LIBRARIES,
  LIBRARY_WORDS,
  type LibraryName,
  parseLibraries,
} from './libraries.js';
export {
  assertBoolean,
  assertFunction,
  assertIntegerAtLeast,
  assertKnownOptions,
  assertNumberAtLeast,
  assertOptionsObject,
  assertPositiveInteger,
  assertPositiveNumber,
  assertTextOption,
  assertTimerMs,
  describe,
  MAX_TEXT_SETTING_LENGTH,
  MAX_TIMER_MS,
  optionKeys,
  quoted,
  textSettingProblem,
} from './optionChecks.js';
export {
  adjustedCount,
  OT_VALUE_MAX_LENGTH,
  type OtValue,
  parseOtValue,
  serializeOtValue,
  ZERO_THRESHOLD,
} from './otTraceState.js';
export { type ExitFlushable, ProcessExitRegistry } from './ProcessExitRegistry.js';
export { packageVersion } from './packageVersion.js';
export { MAX_TRACE_LIMIT } from './readerLimits.js';
export { MAX_RUN_ID_LENGTH, RUN_BUDGET_RANGE } from './runOptions.js';
export { runTagOf } from './runTag.js';
export { SAMPLED_NAME_ATTRIBUTE } from './spanAttributes.js';
export {
  FERRET_TRACESTATE_KEY,
  ferretTraceStateValue,
  MAX_SAMPLING_WEIGHT,
  traceStateRunTag,
  traceStateWeight,
} from './traceStateWeight.js';
export { MAX_WARNED_KEYS, reportError, WarnOnce } from './WarnOnce.js';
