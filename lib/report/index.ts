/** The HTML report: one self-contained page drawn from trace events (issue 8). */
export { renderReport, writeReport, type Expectation, type ReportOptions } from './html.ts';
export { pairSegments, type PairedSegment, type Pairing } from './layout.ts';
