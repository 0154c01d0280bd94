/**
 * The report page in a real browser (headless Chromium through playwright-core): for each fixture,
 * the page opens from file:// without a console error and without asking for anything but itself,
 * the ladder draws exactly one arrow per transmission, hovering a segment shows its numbers, and
 * clicking one highlights the same segment in the time-sequence graph. Screenshots go to
 * test-output/ (git-ignored) for people to look at.
 *
 * Every wait is bounded, and the browser is closed in `finally`, so a broken page fails the test
 * instead of hanging the run.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { SegmentEvent, TraceEvent } from '../../lib/trace/events.ts';
import { renderReport, writeReport } from '../../lib/report/index.ts';
import { FIXTURES } from './fixtures.ts';
import { readFileSync } from 'node:fs';
import { readTrace } from '../../lib/trace/jsonl.ts';

/** Traces the emulator recorded from fixture scenarios (fixtures/traces/), as a user's report would be drawn. */
const TRACES = join(import.meta.dirname, '..', '..', 'fixtures', 'traces');
const RECORDED = ['handshake', 'half-close-client', 'lossy-bulk'].map((name) => ({
  name: `recorded-${name}`,
  events: () => readTrace(readFileSync(join(TRACES, `${name}.jsonl`), 'utf8'), `${name}.jsonl`),
}));

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT_MS = 10_000;
const OUT_DIR = join(import.meta.dirname, '..', '..', 'test-output');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log(`report browser tests skipped: ${CHROMIUM} does not exist (install Debian's chromium package to run them)`);
// One browser at a time: on a busy two-core machine several Chromiums at once made page loads time out.
const browserTest = haveChromium ? test.serial : test.skip;

/** Transmissions with their `data-seg` number: lib/report numbers them in order, 0 for the first tx. */
const txOf = (events: TraceEvent[]) =>
  events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx').map((e, i) => ({ e, i }));

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
  url: string;
}

/**
 * Moves the mouse onto a visible part of a segment's arrow in the ladder. Labels of neighbouring
 * segments may cover the arrow's middle (dense bursts), so points along it are tried from the middle
 * outwards, and the first one where the segment itself is on top is used, as a reader would do.
 */
async function pointAtSegment(page: Page, id: number): Promise<void> {
  const group = page.locator(`#ladder g[data-seg="${id}"]`);
  await group.scrollIntoViewIfNeeded({ timeout: WAIT_MS });
  const at = await group.evaluate((g) => {
    const line = g.querySelector('line.hit') ?? g.querySelector('line.arrow');
    if (!(line instanceof SVGLineElement)) return null;
    const m = line.getScreenCTM();
    if (m === null) return null;
    const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((a) => Number(line.getAttribute(a)));
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.15, 0.85]) {
      const pt = new DOMPoint(x1! + f * (x2! - x1!), y1! + f * (y2! - y1!)).matrixTransform(m);
      const hit = document.elementFromPoint(pt.x, pt.y);
      if (hit !== null && hit.closest('[data-seg]') === g) return { x: pt.x, y: pt.y };
    }
    return null;
  });
  if (at === null) throw new Error(`no part of segment ${id}'s arrow can be pointed at: other elements cover all of it`);
  await page.mouse.move(at.x, at.y);
}

/** Writes the report, opens it, and hands the page to `check`; the browser always closes. */
async function withPage(name: string, html: string, check: (o: Opened) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tcpemu-report-'));
  const file = join(dir, `${name}.html`);
  await writeReport(file, html);
  const url = pathToFileURL(file).href;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    // A page that opens a dialog (say, alert() from an injected script) must fail, not hang.
    page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
    await check({ page, errors, requests, url });
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const fx of [...FIXTURES, ...RECORDED]) {
  browserTest(`${fx.name}: opens offline, one arrow per segment, tooltip, linked highlight`, async (t) => {
    const events = fx.events();
    const tx = txOf(events);
    const html = renderReport(events, { expectations: [{ what: 'client state CLOSED at the end', ok: true, detail: 'CLOSED' }] });
    await withPage(fx.name, html, async ({ page, errors, requests, url }) => {
      // one arrow per transmission, no more (duplicates and orphans are drawn otherwise)
      t.is(await page.locator('#ladder line.arrow').count(), tx.length, 'arrows in the ladder');
      t.is(await page.locator('#ladder g[data-seg]:has(line.arrow)').count(), tx.length, 'segment groups with an arrow');

      // hovering the third segment shows its absolute and relative numbers
      const third = tx[2]!;
      await pointAtSegment(page, third.i);
      const tip = page.locator('#tooltip');
      await tip.waitFor({ state: 'visible', timeout: WAIT_MS });
      const tipText = (await tip.textContent({ timeout: WAIT_MS })) ?? '';
      t.true(tipText.includes(String(third.e.seq)), `tooltip shows seq ${third.e.seq}: ${tipText}`);
      t.true(tipText.includes(String(third.e.ack)), `tooltip shows ack ${third.e.ack}: ${tipText}`);
      t.true(tipText.includes(String(third.e.rack)), `tooltip shows the relative ack ${third.e.rack}`);
      // several segments share a seq or an ack: make sure the tooltip is this segment's own
      // (its accessible name: the <title>, which the page's script may turn into an aria-label)
      const own = await page.locator(`#ladder g[data-seg="${third.i}"]`).evaluate((g) => g.getAttribute('aria-label') ?? g.querySelector(':scope > title')?.textContent ?? null);
      t.is(tipText.trim(), (own ?? '').trim(), 'the tooltip is the hovered segment\'s description');

      // clicking a segment that occupies sequence space highlights it in the time-sequence graph
      const pick = tx.find((x) => x.e.len > 0) ?? tx.find((x) => /[SF]/.test(x.e.flags))!;
      await pointAtSegment(page, pick.i);
      await page.mouse.down();
      await page.mouse.up();
      const inGraph = page.locator(`#tsg [data-seg="${pick.i}"]`);
      t.true((await inGraph.count()) >= 1, `segment ${pick.i} is drawn in the time-sequence graph`);
      await page.waitForFunction(
        (id) => document.querySelector(`#tsg [data-seg="${id}"]`)?.classList.contains('hl') === true,
        pick.i, { timeout: WAIT_MS },
      );
      t.true(((await inGraph.first().getAttribute('class')) ?? '').split(/\s+/).includes('hl'), 'highlighted in the graph');
      t.true(((await page.locator(`#ladder g[data-seg="${pick.i}"]`).getAttribute('class')) ?? '').split(/\s+/).includes('hl'), 'and in the ladder');

      // zoom in on the charts' time axis: the shown window gets narrower
      const before = await page.locator('#window').textContent();
      await page.locator('button[data-act="zoom-in"]').click({ timeout: WAIT_MS });
      t.not(await page.locator('#window').textContent(), before, 'zoom changes the time window');
      await page.locator('button[data-act="fit"]').click({ timeout: WAIT_MS }); // back to the opening view for the screenshot

      await mkdir(OUT_DIR, { recursive: true });
      await page.mouse.move(0, 0);
      // back to the top, so the sticky toolbar sits where a reader first sees it
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(OUT_DIR, `report-${fx.name}.png`), fullPage: true, timeout: WAIT_MS });

      t.deepEqual(errors, [], 'no console error');
      t.deepEqual(requests, [url], 'no request but the page itself');
    });
  });
}

browserTest('hostile names and reasons are shown as text, never run', async (t) => {
  const events = FIXTURES[1]!.events().map((e): TraceEvent => {
    if (e.type === 'meta') return { ...e, scenario: '</title><script>alert("meta")</script>' };
    if (e.type === 'segment') {
      const host = e.host === 'client' ? '<script>' : '<img src=x onerror=alert(1)>';
      return { ...e, host, options: [...e.options, '"><svg onload=alert(2)>'], ...(e.event === 'drop' ? { reason: '<b>x</b>' } : {}) };
    }
    if ('host' in e) return { ...e, host: e.host === 'client' ? '<script>' : '<img src=x onerror=alert(1)>' };
    return e;
  });
  const html = renderReport(events, { title: '<script>alert("title")</script>', expectations: [{ what: '<iframe src="https://example.com/">', ok: false, detail: '</td></tr></table><script>alert(3)</script>' }] });
  t.false(html.includes('<script>alert'), 'no injected script element in the markup');
  t.false(html.includes('<img src=x'), 'no injected img element');
  t.false(html.includes('<iframe'), 'no injected iframe');
  await withPage('hostile', html, async ({ page, errors, requests, url }) => {
    t.is(await page.locator('img, iframe').count(), 0, 'no injected elements in the DOM');
    // The page's own: its data, the step-through's data (issue 26) and its code; nothing a name brought in.
    t.is(await page.locator('script:not(#report-data):not(#step-data)').count(), 1, 'only the page\'s own data and code scripts');
    const body = (await page.locator('body').textContent()) ?? '';
    t.true(body.includes('<script>'), 'the host name is shown literally');
    t.deepEqual(errors, [], 'no console error, no dialog');
    t.deepEqual(requests, [url], 'no request but the page itself');
  });
});

browserTest('time axis: Ctrl+wheel zooms, drag pans, buttons reset; print hides the controls', async (t) => {
  const html = renderReport(FIXTURES[2]!.events(), {});
  await withPage('zoom', html, async ({ page, errors, requests, url }) => {
    const windowText = async () => (await page.locator('#window').textContent({ timeout: WAIT_MS })) ?? '';
    const graph = page.locator('#tsg svg.tchart').first();
    const plotBox = async () => graph.locator('svg.plot').getAttribute('viewBox', { timeout: WAIT_MS });
    await graph.scrollIntoViewIfNeeded({ timeout: WAIT_MS });
    const box = (await graph.boundingBox({ timeout: WAIT_MS }))!;
    const start = await windowText();
    const startBox = await plotBox();

    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    await page.waitForFunction((s) => document.querySelector('#window')?.textContent !== s, start, { timeout: WAIT_MS });
    const zoomed = await windowText();
    t.not(zoomed, start, 'Ctrl+wheel zooms the time axis');
    t.not(await plotBox(), startBox, 'and the graph shows the new window');

    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((s) => document.querySelector('#window')?.textContent !== s, zoomed, { timeout: WAIT_MS });
    t.not(await windowText(), zoomed, 'dragging pans');

    await page.locator('button[data-act="fit"]').click({ timeout: WAIT_MS });
    t.is(await windowText(), start, '"fit" goes back to the opening view');

    await page.emulateMedia({ media: 'print' });
    t.false(await page.locator('nav.toolbar').isVisible({ timeout: WAIT_MS }), 'no buttons on paper');
    t.true(await page.locator('#ladder').isVisible({ timeout: WAIT_MS }), 'the diagrams are printed');

    t.deepEqual(errors, [], 'no console error');
    t.deepEqual(requests, [url], 'no request but the page itself');
  });
});

browserTest('more than 5,000 segments: the band page opens cleanly and says why there are no arrows', async (t) => {
  const events: TraceEvent[] = [{ type: 'meta', scenario: 'many', seed: 1, version: '0.1.0', source: '' }];
  for (let i = 0; i < 6000; i++) {
    const s: SegmentEvent = {
      t: i * 0.25, type: 'segment', event: 'tx', host: 'a', src: '10.0.0.1:1000', dst: '10.0.0.2:80', flags: '.',
      seq: 1000 + i * 1000, ack: 1, rseq: 1 + i * 1000, rack: 1, win: 65535, len: 1000, options: [],
    };
    events.push(s, { ...s, t: s.t + 10, event: 'rx', host: 'b' });
  }
  await withPage('band', renderReport(events, {}), async ({ page, errors, requests, url }) => {
    t.is(await page.locator('#ladder line.arrow').count(), 0);
    const note = page.locator('#ladder-section p.note');
    t.regex((await note.textContent({ timeout: WAIT_MS })) ?? '', /6,000 segments are too many to draw one by one/);
    t.true(await note.isVisible({ timeout: WAIT_MS }));
    await mkdir(OUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUT_DIR, 'report-band.png'), fullPage: true, timeout: WAIT_MS });
    t.deepEqual(errors, [], 'no console error');
    t.deepEqual(requests, [url], 'no request but the page itself');
  });
});

/** Pairs of boxes that intersect by more than `slack` px each way. Sorted by top, so a dense page is quick. */
function intersecting<B extends { text: string; x0: number; x1: number; y0: number; y1: number }>(boxes: B[], slack = 0.5): Array<[string, string]> {
  const sorted = [...boxes].sort((a, b) => a.y0 - b.y0);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.y0 < a.y1 - slack; j++) {
      const b = sorted[j]!;
      if (a.x0 < b.x1 - slack && b.x0 < a.x1 - slack) out.push([a.text, b.text]);
    }
  }
  return out;
}

browserTest('recorded-lossy-bulk: no two texts of the ladder overlap, and the graphs open on the transfer', async (t) => {
  const events = RECORDED.find((r) => r.name === 'recorded-lossy-bulk')!.events();
  const tx = txOf(events).map((x) => x.e.t);
  await withPage('lossy-bulk-readable', renderReport(events), async ({ page, errors }) => {
    // Every visible text of the ladder: arrow labels, states, application events, drop reasons, times.
    const boxes = await page.locator('#ladder').evaluate((svg) => [...svg.querySelectorAll('text')].flatMap((e) => {
      const r = e.getBoundingClientRect();
      const style = getComputedStyle(e);
      const text = e.textContent ?? '';
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || style.display === 'none' || text.trim() === '') return [];
      return [{ text, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom, label: e.classList.contains('lbl') }];
    }));
    const labels = boxes.filter((b) => b.label).length;
    t.true(labels >= tx.length * 0.6, `most segments keep a label (${labels} of ${tx.length})`);
    t.deepEqual(intersecting(boxes), [], 'no two label boxes intersect');
    // A label cut short says so, and its whole text is on hover.
    const short = page.locator('#ladder g.lblg', { hasText: '…' }).first();
    if (await short.count() > 0) {
      await short.scrollIntoViewIfNeeded({ timeout: WAIT_MS });
      await short.hover({ timeout: WAIT_MS });
      await page.locator('#tooltip').waitFor({ state: 'visible', timeout: WAIT_MS });
      t.regex((await page.locator('#tooltip').textContent({ timeout: WAIT_MS })) ?? '', /^#\d+ .*\nflags \[/, 'the whole segment on hover');
    }

    // The graphs open on the three seconds of transfer, not on the whole 180 s run.
    const viewBox = (await page.locator('#tsg-0 svg.plot').getAttribute('viewBox', { timeout: WAIT_MS }))!.split(' ').map(Number);
    const [t0, t1] = [viewBox[0]!, viewBox[0]! + viewBox[2]!];
    const inView = tx.filter((x) => x >= t0 && x <= t1).length;
    t.true(inView >= tx.length * 0.95, `the opening window holds ${inView} of ${tx.length} segments`);
    const whole = Math.max(...events.map((e) => ('t' in e ? e.t : 0)));
    t.true(t1 - t0 < whole * 0.1, `and is a close-up: ${t1 - t0} ms of ${whole} ms`);
    t.true(t0 >= 0, 'no time before the run started');
    // Each axis and the time box in one unit.
    const windowText = (await page.locator('#window').textContent({ timeout: WAIT_MS })) ?? '';
    t.regex(windowText, /^[0-9.]+ (ms|s) – [0-9.]+ \1$/);
    for (const axis of ['#tsg-0 g.xaxis', '#tsg-0 g.yaxis', '#rto-0 g.yaxis']) {
      const ticks = await page.locator(`${axis} text`).allTextContents();
      const units = new Set(ticks.map((x) => x.replace(/^[-0-9.k]+ ?/, '')));
      t.true(units.size === 1, `${axis}: one unit (${ticks.join(', ')})`);
    }
    await mkdir(OUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUT_DIR, 'report-lossy-bulk-readable.png'), fullPage: false, timeout: WAIT_MS });
    t.deepEqual(errors, [], 'no console error');
  });
});

browserTest('a report from a capture says what a capture lacks: no seed, no TCP states', async (t) => {
  const { traceFromCapture } = await import('../../lib/trace/from-capture.ts');
  const file = join(import.meta.dirname, '..', '..', 'fixtures', 'captures', 'handshake.pcap');
  const html = renderReport(traceFromCapture(readFileSync(file), file));
  t.false(/<th scope="row">Seed<\/th><td[^>]*>0</.test(html), 'no invented seed 0');
  await withPage('capture', html, async ({ page, errors }) => {
    const summary = (await page.locator('#summary').textContent({ timeout: WAIT_MS })) ?? '';
    t.regex(summary, /Seedno seed \(not a tcpemu run\)/);
    t.regex(summary, /Last stateno TCP states \(a capture records segments only\)/);
    t.regex((await page.locator('header p').textContent({ timeout: WAIT_MS })) ?? '', /^capture handshake\.pcap: no seed/);
    t.deepEqual(errors, [], 'no console error');
  });
});
