export { DEFAULT_DRAIN_TIMEOUT_MS, FerretRun, STOP_SIGNALS } from './FerretRun.js';
export { currentRun, getProfiler, startRun } from './globalRun.js';
export { ProfilerSampler, type ProfilerSamplerOptions } from './ProfilerSampler.js';
export {
  DEFAULT_BUDGET,
  DEFAULT_DB,
  ENV,
  KNOWN_LIBRARIES,
  type LibraryName,
  parseLibraries,
  type RunSettings,
  readRunSettings,
} from './RunSettings.js';
export { StoreSpanProcessor, type StoreSpanProcessorOptions } from './StoreSpanProcessor.js';
