/** The trace layer's public API: events, JSONL read/write, relative numbers, diff, and the terminal views. */
export * from './events.ts';
export { serializeEvent, serializeTrace, readTrace, TraceError, TraceWriter, type TraceWriterOptions } from './jsonl.ts';
export { Relativizer, withRelativeNumbers } from './relative.ts';
export { firstDifference, formatDifference, type TraceDifference } from './diff.ts';
export { segmentLabel } from './views/label.ts';
export { renderLadder, type LadderOptions } from './views/ladder.ts';
export { renderStates, type StatesOptions } from './views/states.ts';
export { summarize, renderSummary, type Summary, type HostSummary, type SummaryOptions } from './views/summary.ts';
