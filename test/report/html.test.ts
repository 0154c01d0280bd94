/**
 * The report page as a string (no browser): same events give the same bytes, nothing points off
 * the page, the four sections and the summary's numbers are there, hostile text is escaped, a trace
 * with more than 5,000 segments gets the density band, and writeReport replaces files atomically.
 */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmentEvent, TraceEvent } from '../../lib/trace/events.ts';
import { renderReport, writeReport } from '../../lib/report/index.ts';
import { esc } from '../../lib/report/svg.ts';
import { FIXTURES, halfClose, lossyBulk } from './fixtures.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

test('deterministic: the same events give the same bytes', (t) => {
  for (const fx of FIXTURES) {
    const a = renderReport(fx.events(), { expectations: [{ what: 'x', ok: true, detail: 'y' }] });
    const b = renderReport(fx.events(), { expectations: [{ what: 'x', ok: true, detail: 'y' }] });
    t.is(a, b, fx.name);
    t.true(a.length > 1000, `${fx.name} is a page, not a stub`);
  }
});

test('self-contained: no URL but the SVG namespace, no external resource of any kind', (t) => {
  for (const fx of FIXTURES) {
    const html = renderReport(fx.events(), {});
    const urls = new Set(html.match(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]*/gi) ?? []);
    t.deepEqual([...urls], [SVG_NS], `${fx.name}: only the xmlns, which is a name and never fetched`);
    t.notRegex(html, /\b(src|href|srcset|action|poster)\s*=/i, `${fx.name}: nothing to load or follow`);
    t.notRegex(html, /@import|@font-face/i);
    for (const u of html.match(/url\([^)]*\)/g) ?? []) t.regex(u, /^url\(#[\w-]+\)$/, `only in-page references: ${u}`);
    t.regex(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/, 'and the browser is told so');
  }
});

test('structure: four sections, each an inline SVG, light/dark and print styles', (t) => {
  const html = renderReport(lossyBulk(), {});
  t.true(html.startsWith('<!doctype html>'));
  for (const id of ['summary', 'ladder-section', 'tsg', 'windows']) t.regex(html, new RegExp(`<section id="${id}"`), id);
  t.regex(html, /<svg id="ladder"/);
  t.is((html.match(/<svg class="tchart"/g) ?? []).length, 2 + 2 + 1, 'two time-sequence graphs, cwnd and RTO of the client, advertised windows');
  t.regex(html, /@media \(prefers-color-scheme: dark\)/);
  t.regex(html, /@media print/);
  t.is((html.match(/<script>/g) ?? []).length, 1, 'one inline script');
  // every segment the reader can point at says what it is (tooltip text and screen readers)
  const segEls = html.match(/<(g|line)\b[^>]*\bdata-seg="\d+"[^>]*>(<title>)?/g) ?? [];
  t.true(segEls.length > 66);
  t.deepEqual(segEls.filter((s) => !s.endsWith('<title>') && !/aria-label=/.test(s)), [], 'each has a <title> or aria-label');
});

test('summary: scenario, seed, counts, drops by reason, duration and expectations', (t) => {
  const html = renderReport(lossyBulk(), {
    expectations: [
      { what: 'delivered server 40000', ok: true, detail: 'read 40000 bytes' },
      { what: 'state client TIME-WAIT', ok: false, detail: 'was CLOSED' },
    ],
  });
  const summary = html.slice(html.indexOf('<section id="summary"'), html.indexOf('<section id="ladder-section"'));
  const text = summary.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  for (const want of ['lossy-bulk', 'Seed 42', 'Segments sent 66', 'Retransmissions 4', '2 scripted', '2 loss', 'Duration 3621.807 ms',
    'delivered server 40000', 'read 40000 bytes', 'state client TIME-WAIT', 'was CLOSED', '1 of 2 expectations failed']) {
    t.true(text.includes(want), `summary says "${want}": ${text}`);
  }
  t.regex(html, /<title>tcpemu: lossy-bulk<\/title>/, 'the default title names the scenario');
  t.regex(renderReport(lossyBulk(), { title: 'My run' }), /<title>My run<\/title>/);
});

test('escaping: a host named <script> and other hostile strings are text', (t) => {
  t.is(esc('<script>&"\''), '&lt;script&gt;&amp;&quot;&#39;');
  const hostile = halfClose().map((e): TraceEvent => {
    if (e.type === 'meta') return { ...e, scenario: '<script>alert(1)</script>' };
    if ('host' in e && e.host === 'client') return { ...e, host: '<script>' };
    return e;
  });
  const html = renderReport(hostile, { expectations: [{ what: '<img src=x onerror=alert(2)>', ok: false, detail: '"\'><b>' }] });
  t.false(html.includes('<script>alert'));
  t.false(html.includes('<img'));
  t.false(html.includes('<b>'));
  t.true(html.includes('&lt;script&gt;'), 'the host name is there, escaped');
  // the data block a script reads must not be closable by a string inside it
  const data = html.slice(html.indexOf('<script type="application/json"'), html.indexOf('</script>', html.indexOf('<script type="application/json"')));
  t.false(data.slice(10).includes('<'), 'no < inside the JSON block');
});

function bulk(n: number): TraceEvent[] {
  const events: TraceEvent[] = [{ type: 'meta', scenario: 'many', seed: 1, version: '0.1.0', source: '' }];
  for (let i = 0; i < n; i++) {
    const s: SegmentEvent = {
      t: i * 0.5, type: 'segment', event: 'tx', host: 'a', src: '10.0.0.1:1000', dst: '10.0.0.2:80', flags: '.', seq: 1000 + i * 100, ack: 1,
      rseq: 1 + i * 100, rack: 1, win: 65535, len: 100, options: [],
    };
    events.push(s, { ...s, t: s.t + 5, event: 'rx', host: 'b' });
  }
  return events;
}

test('more than 5,000 segments: a density band instead of arrows, and the page says so', (t) => {
  const big = renderReport(bulk(5001), {});
  t.regex(big, /<svg id="ladder" class="banded"/);
  t.false(big.includes('class="arrow"'), 'no single arrows');
  t.regex(big, /5,001 segments are too many to draw one by one \(limit 5,000\)/);
  const small = renderReport(bulk(300), {});
  t.is((small.match(/<line class="arrow"/g) ?? []).length, 300, 'below the limit every segment has its arrow');
  t.false(small.includes('too many to draw'));
});

test('writeReport: writes the page, replaces an old one, leaves no temporary file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tcpemu-report-'));
  try {
    const file = join(dir, 'r.html');
    await writeFile(file, 'old');
    await writeReport(file, '<!doctype html><p>new</p>');
    t.is(await readFile(file, 'utf8'), '<!doctype html><p>new</p>');
    t.deepEqual(await readdir(dir), ['r.html']);
    await t.throwsAsync(writeReport(join(dir, 'missing', 'r.html'), 'x'), { code: 'ENOENT' });
    t.deepEqual(await readdir(dir), ['r.html'], 'a failed write leaves nothing behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
