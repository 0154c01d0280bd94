/**
 * Where the model and the kernel part: the first segment one sent that the other did not send the same,
 * host by host, and the first state one went to that the other did not.
 *
 * Segments are compared by what both TCPs decide alike when they behave alike: sender, flags, relative
 * sequence range and acknowledgment. Windows, options and times are each side's own (Linux's windows
 * follow its buffer autotuning, its timestamps its clock, and its times are real time) and are left out.
 * Each host's segments are compared in the order it sent them; of the hosts whose segments part, the one
 * where the model parts earliest is named. States: each host's first connection, the model's history
 * against what the kernel's socket table showed (a state can pass between two reads, so a state the
 * kernel did not show is skipped over, not a parting).
 */
import type { SegmentEvent, TcpStateName, TraceEvent } from '../trace/events.ts';
import { msg, type Lang } from '../i18n/index.ts';

export interface SegmentParting {
  host: string;
  /** 1-based: the host's n-th segment. */
  index: number;
  model?: { t: number; text: string };
  kernel?: { t: number; text: string };
}

export interface StateParting {
  host: string;
  model: TcpStateName[];
  kernel: TcpStateName[];
  /** The first state of the kernel's history that the model's does not have at that point. */
  kernelState?: TcpStateName;
  /** The model's state the kernel did not reach (its history ended before). */
  modelState?: TcpStateName;
}

/** A segment in the words both sides share: `F. seq 5 ack 5`, `. seq 1:1449 ack 1`. */
export function segmentWords(s: Pick<SegmentEvent, 'flags' | 'rseq' | 'rack' | 'len'>): string {
  const seq = s.len > 0 ? `seq ${s.rseq}:${(s.rseq + s.len) >>> 0}` : `seq ${s.rseq}`;
  return `${s.flags} ${seq}${s.flags.includes('.') ? ` ack ${s.rack}` : ''}`;
}

const sent = (events: readonly TraceEvent[], host: string) =>
  events.filter((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx' && e.host === host);

export function firstSegmentParting(hosts: readonly string[], model: readonly TraceEvent[], kernel: readonly TraceEvent[]): SegmentParting | undefined {
  let best: SegmentParting | undefined;
  for (const host of hosts) {
    const m = sent(model, host);
    const k = sent(kernel, host);
    for (let i = 0; i < Math.max(m.length, k.length); i++) {
      const a = m[i] && segmentWords(m[i]);
      const b = k[i] && segmentWords(k[i]);
      if (a === b) continue;
      const p: SegmentParting = { host, index: i + 1 };
      if (m[i]) p.model = { t: m[i].t, text: a! };
      if (k[i]) p.kernel = { t: k[i].t, text: b! };
      const t = p.model?.t ?? Infinity;
      if (!best || t < (best.model?.t ?? Infinity)) best = p;
      break;
    }
  }
  return best;
}

/** The first state where the kernel's observed history leaves the model's (the kernel's may skip states). */
export function stateParting(host: string, model: TcpStateName[], kernel: TcpStateName[], kernelStillInTimeWait: boolean): StateParting | undefined {
  let i = 0;
  for (const s of kernel) {
    const k = model.indexOf(s, i);
    if (k < 0) return { host, model, kernel, kernelState: s };
    i = k + 1;
  }
  const rest = model.slice(i);
  // The kernel's TIME-WAIT lasts 60 s: a run that ends in it has not parted from a model that went on to CLOSED.
  if (rest.length && !(kernelStillInTimeWait && rest.every((s) => s === 'CLOSED'))) return { host, model, kernel, modelState: rest[0] };
  return undefined;
}

export function describeSegmentParting(p: SegmentParting, lang: Lang = 'en'): string {
  const side = (x: { t: number; text: string } | undefined) => (x ? msg(lang, 'real.part.at', { text: x.text, t: x.t.toFixed(1) }) : msg(lang, 'real.part.nothing'));
  return msg(lang, 'real.part.segment', { host: p.host, i: p.index, model: side(p.model), kernel: side(p.kernel) });
}

export function describeStateParting(p: StateParting, lang: Lang = 'en'): string {
  return p.kernelState
    ? msg(lang, 'real.part.kernelWent', { host: p.host, state: p.kernelState, model: p.model.join(' ') })
    : msg(lang, 'real.part.modelWent', { host: p.host, state: p.modelState!, kernel: p.kernel[p.kernel.length - 1]! });
}
