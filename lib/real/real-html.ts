/**
 * `tcpemu real --html OUT.html`: the model's run and the kernel's side by side in one self-contained
 * page. Each side is the project's own report (lib/report/html.ts: ladder, graphs) of its trace, in a
 * frame of its own (`srcdoc`, so the page stays one file and the two reports' scripts and ids cannot
 * meet); above them, the comparison as the terminal prints it, verdict and place where they part included.
 *
 * The kernel's trace is what the link saw (each packet as its sender handed it over, and as the link
 * delivered it or dropped it), the states read from the socket tables and the applications' events:
 * the same kinds of events as the model's, so the same report draws it.
 */
import { renderReport } from '../report/html.ts';
import type { RunResult } from '../scenario/runner.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { KernelRunResult } from './kernel.ts';
import { msg, type Lang } from '../i18n/index.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderRealHtml(k: KernelRunResult, model: RunResult, comparisonText: string, lang: Lang = 'en'): string {
  const meta = model.events.find((e) => e.type === 'meta');
  const kernelEvents: TraceEvent[] = [...(meta ? [meta] : []), ...k.events];
  const name = k.plan.name;
  const side = (title: string, events: TraceEvent[]) =>
    `<section><h2>${esc(title)}</h2><iframe title="${esc(title)}" sandbox="allow-scripts" srcdoc="${esc(renderReport(events, { title: `${title}: ${name}`, lang }))}"></iframe></section>`;
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; frame-src 'self' about: data:; base-uri 'none'; form-action 'none'">
<title>tcpemu real: ${esc(name)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; }
pre { font: 12px/1.3 ui-monospace, monospace; background: #f6f6f6; padding: .75rem; overflow-x: auto; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
iframe { width: 100%; height: 90vh; border: 1px solid #ccc; }
h2 { font-size: 1.1rem; margin: .5rem 0; }
</style></head><body>
<h1>tcpemu real: ${esc(name)}</h1>
<pre>${esc(comparisonText)}</pre>
<div class="sides">${side(msg(lang, 'real.html.model'), model.events)}${side(msg(lang, k.via === 'netns' ? 'real.html.kernelNetns' : 'real.html.kernelLoopback'), kernelEvents)}</div>
</body></html>
`;
}
