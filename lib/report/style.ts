/**
 * The page's stylesheet. Colours are the Okabe-Ito palette (Okabe & Ito, "Color Universal Design"),
 * told apart by people with any common colour-vision deficiency; every series also differs by dash
 * pattern, marker or text, so nothing is said by colour alone.
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1b1f; --muted: #5d6068; --panel: #f5f6f8; --line: #c9ccd2; --grid: #e8e9ec;
  --d0: #0072B2; --d1: #E69F00; --rtx: #D55E00; --ack: #009E73; --win: #E69F00; --sack: #CC79A7;
  --ok: #007a57; --bad: #D55E00; --hl: #000000; --hlbg: #fff3b0; --s2: #009E73; --s3: #CC79A7;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171b; --fg: #e7e8ea; --muted: #a4a8b0; --panel: #1f2228; --line: #4a4f58; --grid: #2b2f36;
    --d0: #56B4E9; --d1: #E69F00; --rtx: #FF8A4C; --ack: #2CC79A; --win: #F0E442; --sack: #E08FC0;
    --ok: #2CC79A; --bad: #FF8A4C; --hl: #ffffff; --hlbg: #4b4220; --s2: #2CC79A; --s3: #E08FC0;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header h1 { font-size: 22px; margin: 18px 0 2px; }
header p { margin: 0 0 10px; color: var(--muted); }
h2 { font-size: 17px; margin: 26px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
p.note { color: var(--muted); margin: 4px 0 8px; font-size: 13px; }
p.note.dense { color: var(--fg); background: var(--hlbg); padding: 4px 8px; border-radius: 4px; }
.toolbar { position: sticky; top: 0; z-index: 5; background: var(--panel); border-bottom: 1px solid var(--line); }
.toolbar .inner { max-width: 1120px; margin: 0 auto; padding: 6px 20px; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 13px; }
.toolbar .group { display: flex; gap: 4px; align-items: center; }
.toolbar button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 2px 9px; cursor: pointer; }
.toolbar button:hover, .toolbar button:focus-visible { border-color: var(--fg); }
#window { font-variant-numeric: tabular-nums; min-width: 13em; }
#selection { color: var(--muted); }
.hint { color: var(--muted); }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; border-bottom: 1px solid var(--grid); }
th { font-weight: 600; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 40px; }
.pass { color: var(--ok); font-weight: 600; }
.fail { color: var(--bad); font-weight: 700; }
.scroll { max-height: 82vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
figure { margin: 8px 0 18px; }
figcaption { font-size: 13px; margin-bottom: 2px; }
.legend { color: var(--muted); font-size: 12px; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.key { display: inline-flex; align-items: center; gap: 4px; }
#tooltip { position: absolute; z-index: 10; max-width: 560px; white-space: pre; pointer-events: none; font: 12px/1.4 ui-monospace, "SF Mono", Menlo, Consolas, monospace; background: var(--panel); color: var(--fg); border: 1px solid var(--line); border-radius: 5px; padding: 6px 9px; box-shadow: 0 2px 10px rgba(0,0,0,.25); }

svg text { fill: var(--fg); font: 11.5px ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
svg text.small, svg .small { font-size: 10.5px; fill: var(--muted); }
svg .hostname { font: 600 13px system-ui, sans-serif; }
svg .host rect { fill: var(--panel); stroke: var(--line); }
svg .state0 { fill: var(--muted); font-size: 10.5px; }
.lifeline { stroke: var(--line); stroke-width: 2; }
.tmark text { fill: var(--muted); font-size: 10.5px; }
.break line { stroke: var(--muted); stroke-dasharray: 2 4; }
.seg { cursor: pointer; outline: none; }
.seg .hit { stroke: transparent; stroke-width: 18; pointer-events: stroke; }
.seg .arrow { stroke-width: 1.3; fill: none; }
.seg.data .arrow { stroke-width: 2.2; }
.seg.d0 .arrow, .dup-arrow { stroke: var(--d0); }
.seg.d1 .arrow { stroke: var(--d1); }
.seg.d1 .dup-arrow { stroke: var(--d1); }
.dup-arrow { stroke-dasharray: 2 3; stroke-width: 1.2; }
.seg.rtx .arrow { stroke: var(--rtx); stroke-dasharray: 7 3; }
.seg.rtx .lbl { fill: var(--rtx); }
.seg .lbl { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
.seg:hover .arrow, .seg:focus .arrow { stroke-width: 3.2; }
.seg:hover .lbl, .seg:focus .lbl { font-weight: 700; }
.seg.hl .arrow { stroke: var(--hl); stroke-width: 3.5; stroke-dasharray: none; }
.seg.hl .lbl { font-weight: 700; fill: var(--hl); }
.lblg { cursor: pointer; }
.lblg .lblbg, .cross .lblbg { fill: var(--bg); fill-opacity: 0.88; }
.cross { cursor: pointer; }
.lblg.rtx .lbl { fill: var(--rtx); }
.lblg:hover .lbl, .lblg:focus .lbl, .lblg.hl .lbl { font-weight: 700; }
.lblg.hl .lbl { fill: var(--hl); }
.ah.d0 { fill: var(--d0); } .ah.d1 { fill: var(--d1); } .ah.rtx { fill: var(--rtx); }
.cross path { stroke: var(--rtx); stroke-width: 3; }
.cross .reason { fill: var(--rtx); font-weight: 600; paint-order: stroke; stroke: var(--bg); stroke-width: 3px; }
.cross.unknown .reason { fill: var(--muted); }
.state circle { fill: var(--fg); }
.state text { font-weight: 700; font-size: 11px; }
.app text { fill: var(--muted); font-style: italic; }
.app.err text { fill: var(--bad); font-style: normal; font-weight: 700; }
.orphan circle { fill: none; stroke: var(--muted); }
.band.d0 { fill: var(--d0); } .band.d1 { fill: var(--d1); }
.bandstate { font-weight: 700; }
svg text.warn { fill: var(--rtx); }

.tchart { width: 100%; max-width: 960px; height: auto; display: block; touch-action: none; }
.tchart .plotframe { fill: none; stroke: var(--line); }
.tchart .grid { stroke: var(--grid); }
.tchart .xaxis line { stroke: var(--muted); }
.tchart text { font-size: 11px; fill: var(--muted); }
.plot { cursor: grab; }
.plot .bar { stroke: var(--d0); stroke-width: 3; stroke-linecap: butt; }
.plot .bar.rtx { stroke: var(--rtx); stroke-width: 5; }
.plot .bar.lost { stroke-opacity: 0.45; stroke-dasharray: 3 2; }
.plot .bar.hl { stroke: var(--hl); stroke-width: 8; stroke-opacity: 1; stroke-dasharray: none; }
.plot .guide { stroke: var(--hl); stroke-width: 1; stroke-dasharray: 4 3; }
.plot line.bar { cursor: pointer; }
.plot path { fill: none; }
.ackline { stroke: var(--ack); stroke-width: 1.6; fill: none; }
.win { stroke: var(--win); stroke-width: 1.4; stroke-dasharray: 6 3; fill: none; }
.sack { stroke: var(--sack); stroke-width: 6; stroke-opacity: 0.7; fill: none; }
.swatch-bar { stroke: var(--d0); stroke-width: 3; }
.swatch-rtx { stroke: var(--rtx); stroke-width: 5; }
.swatch-lost { stroke: var(--d0); stroke-width: 3; stroke-opacity: 0.45; stroke-dasharray: 3 2; }
.ln { fill: none; stroke-width: 1.8; }
.ln.s0 { stroke: var(--d0); stroke-width: 2.2; }
.ln.s1 { stroke: var(--rtx); stroke-dasharray: 8 4; }
.ln.s2 { stroke: var(--s2); stroke-dasharray: 2 3; stroke-width: 2.4; }
.ln.s3 { stroke: var(--s3); stroke-dasharray: 10 3 2 3; }
.key svg .bar, .key svg .swatch-bar { stroke: var(--d0); }

@media print {
  :root { --bg: #fff; --fg: #000; --muted: #444; --panel: #fff; --line: #999; --grid: #ddd;
    --d0: #0072B2; --d1: #E69F00; --rtx: #D55E00; --ack: #009E73; --win: #E69F00; --sack: #CC79A7; --hl: #000; }
  .toolbar, #tooltip, .hint { display: none !important; }
  .scroll { max-height: none; overflow: visible; border: none; }
  #ladder { max-width: 100%; height: auto; }
  figure, .summary { break-inside: avoid; }
  body { font-size: 11px; }
}
`;
