/**
 * `tcpemu sweep --html`: one self-contained page with the sweep's table and an SVG plot of one column
 * against the first swept key, a point per value (the mean over the seeds) with a bar of ± one standard
 * deviation, a line per combination of the other keys. Beside goodput against a loss probability, the
 * Mathis et al. model (1997, "The Macroscopic Behavior of the TCP Congestion Avoidance Algorithm"):
 * goodput = MSS / RTT x sqrt(3/2) / sqrt(p), worked out for each loss value from the scenario's MSS
 * and round trip.
 */
import { formatRate } from '../link/bottleneck.ts';
import { esc } from '../report/svg.ts';
import type { PlotColumn, Spread, SweepOutput, TableRow } from './index.ts';
import type { Setting } from './run.ts';

const W = 720;
const H = 380;
const M = { l: 100, r: 20, t: 20, b: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function column(r: TableRow, c: PlotColumn): Spread {
  if (c === 'held') return { mean: r.runs === 0 ? 0 : r.held / r.runs, sd: 0, min: 0, max: 0 };
  return c === 'goodput' ? r.goodput : c === 'retransmissions' ? r.retransmissions : r.durationMs;
}

function fmtY(c: PlotColumn, y: number): string {
  if (c === 'goodput') return formatRate(y);
  if (c === 'duration') return `${+(y / 1000).toFixed(3)} s`;
  if (c === 'held') return `${Math.round(y * 100)}%`;
  return String(+y.toFixed(1));
}

/** Mathis et al.: bits per second for loss probability p, MSS in bytes, RTT in ms. */
export function mathisGoodput(mss: number, rttMs: number, p: number): number {
  return ((mss * 8) / (rttMs / 1000)) * Math.sqrt(3 / 2) / Math.sqrt(p);
}

export function renderSweepHtml(o: SweepOutput, col: PlotColumn): string {
  const xKey = o.sets[0]?.key;
  const xs = o.sets[0]?.values ?? [''];
  const rest = (s: Setting) => Object.entries(s).filter(([k]) => k !== xKey).map(([k, v]) => `${k}=${v}`).join(', ');
  const series = new Map<string, TableRow[]>();
  for (const r of o.table) {
    const k = rest(r.set);
    if (!series.has(k)) series.set(k, []);
    series.get(k)!.push(r);
  }
  const mathis: { x: number; y: number }[] = [];
  const lossy = col === 'goodput' && xKey !== undefined && /(^|\.)loss$/.test(xKey);
  if (lossy) {
    xs.forEach((v, i) => {
      const p = Number(String(v).replace(/%$/, '')) / (String(v).endsWith('%') ? 100 : 1);
      const path = o.paths.find((q) => q.set[xKey] === v && q.rttMs > 0);
      if (p > 0 && path) mathis.push({ x: i, y: mathisGoodput(path.mss, path.rttMs, p) });
    });
  }
  let yMax = 0;
  for (const r of o.table) yMax = Math.max(yMax, column(r, col).mean + column(r, col).sd);
  const measuredMax = yMax;
  for (const m of mathis) yMax = Math.max(yMax, Math.min(m.y, 3 * measuredMax || m.y));
  if (yMax === 0) yMax = 1;
  const px = (i: number) => M.l + (xs.length === 1 ? (W - M.l - M.r) / 2 : (i * (W - M.l - M.r)) / (xs.length - 1));
  const py = (y: number) => H - M.b - (Math.min(y, yMax) / yMax) * (H - M.t - M.b);
  let svg = `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="#333"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="#333"/>`;
  for (let k = 0; k <= 4; k++) {
    const y = (yMax * k) / 4;
    svg += `<line x1="${M.l - 4}" y1="${py(y)}" x2="${W - M.r}" y2="${py(y)}" stroke="#ddd"/><text x="${M.l - 8}" y="${py(y) + 4}" text-anchor="end">${esc(fmtY(col, y))}</text>`;
  }
  xs.forEach((v, i) => { svg += `<text x="${px(i)}" y="${H - M.b + 18}" text-anchor="middle">${esc(v)}</text>`; });
  svg += `<text x="${(W + M.l) / 2}" y="${H - 10}" text-anchor="middle">${esc(xKey ?? '(no --set)')}</text>`;
  let legend = '';
  [...series.entries()].forEach(([name, rows], si) => {
    const c = COLORS[si % COLORS.length];
    const pts = rows.map((r) => ({ x: xs.indexOf(r.set[xKey!] ?? ''), s: column(r, col) }));
    svg += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${px(Math.max(0, p.x))},${py(p.s.mean)}`).join(' ')}"/>`;
    for (const p of pts) {
      const x = px(Math.max(0, p.x));
      svg += `<line x1="${x}" y1="${py(p.s.mean - p.s.sd)}" x2="${x}" y2="${py(p.s.mean + p.s.sd)}" stroke="${c}"/><circle cx="${x}" cy="${py(p.s.mean)}" r="4" fill="${c}"><title>${esc(`${fmtY(col, p.s.mean)} ± ${fmtY(col, p.s.sd)}`)}</title></circle>`;
    }
    legend += `<span style="color:${c}">● ${esc(name === '' ? `${col}, measured (mean ± sd)` : name)}</span> `;
  });
  if (mathis.length > 0) {
    svg += `<polyline class="mathis" fill="none" stroke="#555" stroke-dasharray="6 4" points="${mathis.map((m) => `${px(m.x)},${py(m.y)}`).join(' ')}"/>`;
    for (const m of mathis) svg += `<circle cx="${px(m.x)}" cy="${py(m.y)}" r="3" fill="#555"><title>${esc(`Mathis et al.: ${formatRate(m.y)}`)}</title></circle>`;
    legend += '<span style="color:#555">- - Mathis et al.: MSS / RTT × √(3/2) / √p (above the top of the plot where it goes past it)</span>';
  }
  const keys = o.sets.map((s) => s.key);
  const th = [...keys, 'runs', 'held', 'goodput (mean ± sd)', 'retransmissions', 'duration'].map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const td = o.table.map((r) => `<tr>${keys.map((k) => `<td>${esc(r.set[k])}</td>`).join('')}<td>${r.runs}</td><td>${r.held}</td><td>${esc(`${formatRate(r.goodput.mean)} ± ${formatRate(r.goodput.sd)}`)}</td><td>${esc(`${r.retransmissions.mean.toFixed(1)} ± ${r.retransmissions.sd.toFixed(1)}`)}</td><td>${esc(`${(r.durationMs.mean / 1000).toFixed(3)} ± ${(r.durationMs.sd / 1000).toFixed(3)} s`)}</td></tr>`).join('');
  const title = `tcpemu sweep: ${o.scenario}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}svg text{font-size:12px}</style></head>
<body><h1>${esc(title)}</h1>
<p>${esc(o.file)} · ${o.seeds.length} seeds · ${o.runs.length} runs · tcpemu ${esc(o.version)}</p>
<h2>${esc(col)} against ${esc(xKey ?? 'nothing swept')}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${col} against ${xKey ?? ''}`)}">${svg}</svg>
<p>${legend}</p>
<h2>Table</h2><table><thead><tr>${th}</tr></thead><tbody>${td}</tbody></table>
</body></html>
`;
}
