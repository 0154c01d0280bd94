/**
 * The report's step-through mode in a real browser (headless Chromium through playwright-core, as
 * test/report/browser.test.ts): stepping forward through the demo with the arrow key lights, for
 * each host, exactly the states the trace records, in its order; stepping back undoes a step; the
 * Chinese page renders its Chinese text with a CJK font (fonts-noto-cjk, installed by .ci/run).
 * Every wait is bounded and the browser is closed in `finally`.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { loadScenario } from '../../lib/scenario/load.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { renderReport, writeReport } from '../../lib/report/index.ts';
import { Payloads } from '../../lib/trace/payload.ts';
import type { Lang } from '../../lib/i18n/index.ts';
import type { StateEvent } from '../../lib/trace/events.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT_MS = 10_000;
const ROOT = join(import.meta.dirname, '..', '..');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log(`step-through browser tests skipped: ${CHROMIUM} does not exist (install Debian's chromium package to run them)`);
const browserTest = haveChromium ? test.serial : test.skip;

function cjkFontInstalled(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 10_000 }).trim() !== '';
  } catch {
    return false;
  }
}

function demoReport(lang: Lang) {
  const file = join(ROOT, 'fixtures/scenarios/demo.yaml');
  const plan = loadScenario(readFileSync(file, 'utf8'), 'fixtures/scenarios/demo.yaml');
  const result = runScenario(plan, { capture: true });
  const html = renderReport(result.events, { expectations: result.expectations, lang, payloads: Payloads.fromPackets(result.packets), description: plan.description });
  return { events: result.events, html };
}

async function withPage(html: string, check: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tcpemu-step-'));
  const file = join(dir, 'step.html');
  await writeReport(file, html);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) errors.push(`request: ${r.url()}`); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: WAIT_MS });
    await check(page, errors);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The state each of the two hosts has lit in the diagram now (null when none or several). */
async function lit(page: Page): Promise<[string | null, string | null]> {
  // As a string: the test runs through tsx, whose helpers a function handed to the page would not find.
  return page.evaluate(`['on-h0', 'on-h1'].map((cls) => {
    const on = [...document.querySelectorAll('#state-diagram .node.' + cls)];
    return on.length === 1 ? on[0].getAttribute('data-state') : null;
  })`) as Promise<[string | null, string | null]>;
}

browserTest('stepping forward through the demo lights each state of both hosts in the order of the trace', async (t) => {
  const { events, html } = demoReport('en');
  const states = events.filter((e): e is StateEvent => e.type === 'state');
  // What the trace says each host went through: its first `from`, then every `to` (RFC 9293 figure 5's path).
  const expected = (host: string): string[] => {
    const mine = states.filter((s) => s.host === host);
    return [mine[0]!.from, ...mine.map((s) => s.to)];
  };
  await withPage(html, async (page, errors) => {
    const steps = await page.evaluate(() => (JSON.parse(document.getElementById('report-data')!.textContent!) as { step: { steps: unknown[] } }).step.steps.length);
    t.true(steps > states.length, 'every state change is a step, and there are more steps than state changes');
    const seen: [string[], string[]] = [[], []];
    const note = (s: [string | null, string | null]): void => {
      for (const i of [0, 1] as const) {
        t.not(s[i], null, `host ${i} has exactly one state lit`);
        if (s[i] !== null && seen[i].at(-1) !== s[i]) seen[i].push(s[i]!);
      }
    };
    note(await lit(page));
    let taken = 0;
    for (let i = 0; i < steps; i++) {
      await page.keyboard.press('ArrowRight');
      note(await lit(page));
      // A state change's step marks its transition in the diagram.
      const count = await page.locator('#step-count').textContent();
      t.true((count ?? '').includes(`${i + 1} of ${steps}`), `the counter follows: ${count}`);
      if ((await page.locator('#state-diagram .edge.taken').count()) > 0) taken++;
    }
    t.deepEqual(seen[0], expected('client'), 'client: every state, in order');
    t.deepEqual(seen[1], expected('server'), 'server: every state, in order');
    t.true(taken > 0, 'transitions were marked');
    // The last step: the explanation beside the ladder says what it is, and its ladder mark is highlighted.
    const text = (await page.locator('#step-text').textContent()) ?? '';
    t.regex(text, /socket is fully closed/);
    t.true((await page.locator('#ladder .current').count()) >= 1, 'the current event is highlighted in the ladder');
    // One step back: the client is in TIME-WAIT again (its last change was TIME-WAIT -> CLOSED).
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    t.is((await lit(page))[0], 'TIME-WAIT');
    await page.locator('#step-next').click();
    await page.locator('#step-next').click();
    t.is((await lit(page))[0], 'CLOSED');
    t.deepEqual(errors, []);
  });
});

browserTest('the Chinese page renders its Chinese text with a CJK font', async (t) => {
  if (!cjkFontInstalled()) {
    t.log('no CJK font (fc-list :lang=zh is empty): install fonts-noto-cjk; checking the text only');
  }
  const { html } = demoReport('zh');
  await withPage(html, async (page, errors) => {
    t.is(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const text = (await page.locator('#step-text').textContent()) ?? '';
    t.regex(text, /应用程序|主动打开/u, `the explanation is in Chinese: ${text}`);
    t.notRegex(text, /\b(the|connection|application)\b/, 'no English words left in it');
    // Rendered, not boxes: in the page's own font, 你 draws differently from a private-use code point
    // (which every font leaves to the "missing glyph" box), and it has ink.
    const drawn = (await page.evaluate(`(() => {
      const font = '32px ' + getComputedStyle(document.body).fontFamily;
      const draw = (ch) => {
        const c = document.createElement('canvas');
        c.width = 48;
        c.height = 48;
        const g = c.getContext('2d');
        g.font = font;
        g.fillText(ch, 4, 38);
        return [...g.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3)];
      };
      const ni = draw('你');
      const box = draw('\\uE000');
      return { ink: ni.filter((a) => a > 0).length, same: ni.every((a, i) => a === box[i]) };
    })()`)) as { ink: number; same: boolean };
    if (cjkFontInstalled()) {
      t.true(drawn.ink > 20, 'the glyph has ink');
      t.false(drawn.same, 'and is not the missing-glyph box');
    } else t.pass();
    t.deepEqual(errors, []);
  });
});
