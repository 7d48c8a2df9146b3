export type { CliIo, TextSink } from './CliIo.js';
export { main } from './main.js';
export type {
  SpeedscopeEventedProfile,
  SpeedscopeFile,
  SpeedscopeFrame,
  SpeedscopeFrameEvent,
  SpeedscopeOptions,
} from './speedscope.js';
export { toSpeedscope } from './speedscope.js';
export type { SummaryJson, SummaryJsonRow, SummarySortKey } from './summaryView.js';
export { ELLIPSIS, escapeControlCharacters, terminalText } from './terminalText.js';
