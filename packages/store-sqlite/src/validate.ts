// The option checks live in `@ferret/ratelimit/options`, shared by every Ferret package so that all
// of them word refusals the same way. Kept as a re-export only until SqliteSpanStore.ts imports
// them from there directly; nothing new belongs here.
export {
  assertBoolean,
  assertFunction,
  assertOptionsObject,
  assertPositiveInteger,
  describe,
} from '@ferret/ratelimit/options';
