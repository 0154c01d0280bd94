/**
 * Makes the README's screenshots of a lesson's step-through page, one per language:
 * fixtures/screenshots/lesson-handshake-en.png and -zh.png (issue 26). Needs Debian's chromium and a
 * CJK font (fonts-noto-cjk). Run: npx tsx scripts/lesson-screenshots.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { LESSONS } from '../lib/learn/lessons.ts';
import { loadLesson } from '../lib/learn/command.ts';
import { scenarioWords } from '../lib/cli/learner.ts';
import { runScenario } from '../lib/scenario/runner.ts';
import { renderReport, writeReport } from '../lib/report/index.ts';
import { Payloads } from '../lib/trace/payload.ts';
import { questions } from '../lib/learn/lessons.ts';
import type { Lang } from '../lib/i18n/index.ts';

const ROOT = join(import.meta.dirname, '..');
const lesson = LESSONS[0]!;
const STEPS = 9;
const dir = await mkdtemp(join(tmpdir(), 'tcpemu-shots-'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
try {
  for (const lang of ['en', 'zh'] as Lang[]) {
    const plan = loadLesson(lesson);
    const result = runScenario(plan, { capture: true });
    const payloads = Payloads.fromPackets(result.packets);
    const words = scenarioWords(plan, lang);
    const file = join(dir, `${lang}.html`);
    await writeReport(file, renderReport(result.events, {
      expectations: result.expectations, lang, payloads, heading: words.title, description: words.description,
      questions: questions(lesson, result.events, payloads, lang),
    }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    page.setDefaultTimeout(10_000);
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    for (let i = 0; i < STEPS; i++) await page.keyboard.press('ArrowRight');
    const out = join(ROOT, 'fixtures/screenshots', `lesson-${lesson.id}-${lang}.png`);
    await page.locator('#ladder-section').screenshot({ path: out });
    console.log(`wrote ${out}`);
    await page.close();
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
