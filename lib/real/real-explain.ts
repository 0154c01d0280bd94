/**
 * `tcpemu real FILE --view explain` (issue 26): after the comparison, each side's story in plain
 * sentences. The model's is its run's trace, explained as `tcpemu run --view explain` does; the
 * kernel's is the trace the kernel run made (what its link saw: each packet as the sender handed it
 * over and as the link delivered or dropped it, the states read from the socket tables, the
 * applications' events), explained by the same rules. The kernel's trace has no timer events and
 * no `why` on its segments (a kernel does not say why it sent one), so its story says less about
 * causes: what it says, it takes from the segments and states it saw.
 */
import { msg, type Lang } from '../i18n/index.ts';
import { explainRun } from '../cli/learner.ts';
import { readCapture } from '../wire/pcap.ts';
import { WireError } from '../wire/errors.ts';
import type { RunResult } from '../scenario/runner.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { KernelRunResult } from './kernel.ts';

/** The kernel run's events as one trace: the model's meta line (scenario, seed, source) first. */
export function kernelTrace(k: KernelRunResult, model: RunResult): TraceEvent[] {
  const meta = model.events.find((e) => e.type === 'meta');
  return [...(meta ? [meta] : []), ...k.events];
}

/** The packets that carried the kernel's data: the link's (namespaces) or the loopback capture's. */
export function kernelPackets(k: KernelRunResult): { packet: Buffer }[] {
  const kept = (k as { packets?: { packet: Buffer }[] }).packets;
  if (kept !== undefined) return kept;
  if (k.capture.length === 0) return [];
  try {
    return readCapture(k.capture, 'kernel capture').packets.map((p) => ({ packet: p.ip }));
  } catch (err) {
    if (err instanceof WireError) return [];
    throw err;
  }
}

/** Both sides explained, the model's first, each under a heading that says which it is. */
export function explainReal(k: KernelRunResult, model: RunResult, lang: Lang, color: boolean): string {
  const kernelSide = k.via === 'netns' ? msg(lang, 'real.kernelNetns') : msg(lang, 'real.kernelLoopback');
  return [
    `── ${msg(lang, 'real.explainModel')} ──`,
    explainRun(model.events, model.plan, model.packets, lang, color),
    `── ${msg(lang, 'real.explainKernel', { side: kernelSide })} ──`,
    msg(lang, 'real.kernelAbout'),
    explainRun(kernelTrace(k, model), k.plan, kernelPackets(k), lang, color),
  ].join('\n');
}
